"""The local wing: the stack as processes, the pipeline runner, `newsflow run`, status, the seed corpus."""
