"""``newsflow.kafka.send_until_acked`` against a fake :data:`~newsflow.kafka.Send`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, RecordTooLargeError

from newsflow.kafka import REFUSED_FOR_GOOD, Message, send_until_acked
from newsflow.retry import Backoff, Stopped

#: What the fake broker does with one send: a value to ack with, or an exception.
Outcome = Callable[[Message, int], Any]


class FakeSend:
    """Records every send in order; ``script(message, attempt)`` decides each one's fate.

    A returned exception fails the acknowledgement future; a raised one fails ``send`` itself.
    """

    def __init__(self, script: Outcome | None = None) -> None:
        self.script = script or (lambda message, attempt: None)
        self.sent: list[bytes] = []
        self.attempts: dict[bytes, int] = {}

    async def __call__(self, message: Message) -> asyncio.Future[Any]:
        attempt = self.attempts.get(message.value, 0) + 1
        self.attempts[message.value] = attempt
        self.sent.append(message.value)
        outcome = self.script(message, attempt)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(f"ack:{message.value.decode()}:{attempt}")
        return future


def messages(*values: str) -> list[Message]:
    return [Message("topic", v.encode(), v.encode()) for v in values]


def fast() -> Backoff:
    return Backoff(initial=0.001, maximum=0.002)


async def test_every_message_is_sent_once_in_order_and_acked() -> None:
    send = FakeSend()
    results = await send_until_acked(send, messages("a", "b", "c"), backoff=fast())
    assert send.sent == [b"a", b"b", b"c"]
    assert results == ["ack:a:1", "ack:b:1", "ack:c:1"]


async def test_a_message_refused_for_good_gets_its_exception_and_the_rest_are_acked() -> None:
    def script(message: Message, attempt: int) -> Any:
        if message.value == b"big":
            return MessageSizeTooLargeError()
        if message.value == b"huge":
            raise RecordTooLargeError()
        return None

    send = FakeSend(script)
    retries: list[BaseException] = []
    results = await send_until_acked(
        send, messages("a", "big", "b", "huge", "c"), backoff=fast(), on_retry=retries.append
    )
    assert isinstance(results[1], MessageSizeTooLargeError)
    assert isinstance(results[3], RecordTooLargeError)
    assert all(isinstance(r, REFUSED_FOR_GOOD) for r in (results[1], results[3]))
    assert [results[0], results[2], results[4]] == ["ack:a:1", "ack:b:1", "ack:c:1"]
    assert send.sent == [b"a", b"big", b"b", b"huge", b"c"]  # nothing refused is sent again
    assert retries == []


async def test_a_transient_ack_failure_resends_only_the_unacked_messages_in_order() -> None:
    def script(message: Message, attempt: int) -> Any:
        if message.value in (b"b", b"d") and attempt == 1:
            return KafkaConnectionError()
        return None

    send = FakeSend(script)
    retries: list[BaseException] = []
    results = await send_until_acked(
        send, messages("a", "b", "c", "d"), backoff=fast(), on_retry=retries.append
    )
    assert send.sent == [b"a", b"b", b"c", b"d", b"b", b"d"]
    assert results == ["ack:a:1", "ack:b:2", "ack:c:1", "ack:d:2"]
    assert len(retries) == 1 and isinstance(retries[0], KafkaConnectionError)


async def test_a_send_that_raises_a_transient_error_stops_the_round_and_resumes_from_it() -> None:
    def script(message: Message, attempt: int) -> Any:
        if message.value == b"b" and attempt < 3:
            raise OSError("connection reset")
        return None

    send = FakeSend(script)
    retries: list[BaseException] = []
    results = await send_until_acked(send, messages("a", "b", "c"), backoff=fast(), on_retry=retries.append)
    # "c" is not sent before "b" got through: the order of the messages is kept.
    assert send.sent == [b"a", b"b", b"b", b"b", b"c"]
    assert results == ["ack:a:1", "ack:b:3", "ack:c:1"]
    assert len(retries) == 2


async def test_other_errors_propagate() -> None:
    def script(message: Message, attempt: int) -> Any:
        return ValueError("not a Kafka error") if message.value == b"b" else None

    with pytest.raises(ValueError):
        await send_until_acked(FakeSend(script), messages("a", "b"), backoff=fast())


async def test_stop_while_waiting_to_resend_raises_stopped() -> None:
    send = FakeSend(lambda message, attempt: KafkaConnectionError())
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    with pytest.raises(Stopped):
        await send_until_acked(send, messages("a", "b"), backoff=Backoff(initial=30.0), stop=stop)
    assert send.sent == [b"a", b"b"]


async def test_success_resets_the_backoff() -> None:
    backoff = fast()
    send = FakeSend(lambda message, attempt: KafkaConnectionError() if attempt < 3 else None)
    await send_until_acked(send, messages("a"), backoff=backoff)
    assert backoff.attempt == 0


async def test_faust_producer_is_made_idempotent_with_acks_all() -> None:
    import faust

    from newsflow.kafka import make_faust_producer_idempotent

    app = faust.App("idempotence-probe", broker="kafka://127.0.0.1:1")
    make_faust_producer_idempotent(app)
    assert app.producer._settings_extra() == {"acks": "all", "enable_idempotence": True}
    producer = app.producer._new_producer()
    try:
        assert producer._txn_manager is not None  # aiokafka's idempotence state: only when enabled
    finally:
        await producer.stop()
