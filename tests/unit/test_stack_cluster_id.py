"""The local Kafka's cluster id must be accepted by the storage tool's argument parser."""

from newsflow.local.stack.kafka import new_cluster_id


def test_cluster_ids_are_22_chars_and_never_look_like_an_option() -> None:
    ids = [new_cluster_id() for _ in range(5000)]  # a leading "-" has a 1 in 64 chance per id
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)
