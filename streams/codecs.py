"""Faust codecs: orjson for records and table values, UTF-8 strings for keys."""

from __future__ import annotations

from typing import Any

import orjson
from faust.serializers import codecs

from models.session import SessionState


class Utf8(codecs.Codec):
    def _dumps(self, obj: Any) -> bytes:
        return obj.encode() if isinstance(obj, str) else bytes(obj)

    def _loads(self, s: bytes) -> Any:
        return s.decode()


class Orjson(codecs.Codec):
    def _dumps(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def _loads(self, s: bytes) -> Any:
        return orjson.loads(s)


class SessionStateCodec(codecs.Codec):
    """The session table's value: the in-memory store keeps the object, the changelog its JSON."""

    def _dumps(self, obj: Any) -> bytes:
        return orjson.dumps(obj.to_dict())

    def _loads(self, s: bytes) -> Any:
        return SessionState.from_dict(orjson.loads(s))


def register() -> None:
    codecs.register("utf8", Utf8())
    codecs.register("orjson", Orjson())
    codecs.register("session_state", SessionStateCodec())
