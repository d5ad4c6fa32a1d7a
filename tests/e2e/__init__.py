"""End-to-end tests: the three services as processes against the real Kafka broker and Elasticsearch node."""
