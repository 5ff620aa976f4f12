"""A Kafka cluster whose broker can be restarted without losing its data, for the chaos run.

The embedded broker (Tansu) keeps nothing across a restart on memory storage, and on S3 storage
reports end offsets below records it acknowledged (docs/reliability.md). librdkafka, shipped in the
confluent-kafka wheel, carries the multi-broker cluster its own test suite runs against (its "mock
cluster" API): it speaks the Kafka protocol over TCP, holds logs, committed offsets and groups in
memory, and can take a broker down (every connection dropped, new ones refused) and bring it back
with all of that, which is what a broker restart looks like to its clients. It runs in a child
process driven over stdin, so the harness can stop it like any other broker.

It does not implement CreateTopics: the topics are created here, up front, and workers run with
SESSIONSCOPE_DECLARE_TOPICS=false.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import importlib.util
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from streams.broker import BrokerError
from streams.process_group import stop_process_group

_VOID = ctypes.c_void_p
_RD_KAFKA_PRODUCER = 0


def librdkafka_path() -> str:
    """The librdkafka inside the confluent-kafka wheel, else a system one (Debian's librdkafka1)."""
    spec = importlib.util.find_spec("confluent_kafka")
    if spec is not None and spec.origin is not None:
        site = Path(spec.origin).parent
        for found in sorted([*site.parent.glob("confluent_kafka.libs/librdkafka*"), *site.glob(".dylibs/librdkafka*")]):
            return str(found)
    system = ctypes.util.find_library("rdkafka")
    if system is None:
        raise BrokerError("the restartable test cluster needs librdkafka: pip install 'sessionscope[dev]'")
    return system


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    signatures: dict[str, tuple[list[type], type | None]] = {
        "rd_kafka_conf_new": ([], _VOID),
        "rd_kafka_conf_set": ([_VOID, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t],
                              ctypes.c_int),
        "rd_kafka_new": ([ctypes.c_int, _VOID, ctypes.c_char_p, ctypes.c_size_t], _VOID),
        "rd_kafka_mock_cluster_new": ([_VOID, ctypes.c_int], _VOID),
        "rd_kafka_mock_cluster_bootstraps": ([_VOID], ctypes.c_char_p),
        "rd_kafka_mock_set_controller_id": ([_VOID, ctypes.c_int32], ctypes.c_int),
        "rd_kafka_mock_topic_create": ([_VOID, ctypes.c_char_p, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        "rd_kafka_mock_broker_set_down": ([_VOID, ctypes.c_int32], ctypes.c_int),
        "rd_kafka_mock_broker_set_up": ([_VOID, ctypes.c_int32], ctypes.c_int),
        "rd_kafka_mock_push_request_errors_array": ([_VOID, ctypes.c_int16, ctypes.c_size_t,
                                                     ctypes.POINTER(ctypes.c_int)], None),
        "rd_kafka_mock_partition_set_leader": ([_VOID, ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32],
                                               ctypes.c_int),
        "rd_kafka_mock_coordinator_set": ([_VOID, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int32], ctypes.c_int),
    }
    for name, (args, result) in signatures.items():
        fn = getattr(lib, name)  # AttributeError names the symbol when the library is too old
        fn.argtypes, fn.restype = args, result
    return lib


# command -> how many numbers it takes
COMMANDS = {"down": 1, "up": 1, "fail": 2, "lead": 1}


def serve(brokers: int, topics: dict[str, int], groups: list[str], out: IO[str], debug: bool = False) -> None:
    """Run the cluster in this process: print its bootstrap, then obey one command a line until stdin ends:
    'down N' / 'up N' (broker N), 'fail API ERROR' (answer the next request of Kafka API key API with
    error code ERROR), 'lead N' (broker N leads every partition and coordinates every group)."""
    lib = _bind(ctypes.CDLL(librdkafka_path()))
    err = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    if debug:  # every request and group state change, on stderr
        lib.rd_kafka_conf_set(conf, b"debug", b"mock", err, len(err))
    else:  # the host handle has no brokers of its own: silence the warning about that
        lib.rd_kafka_conf_set(conf, b"log_level", b"3", err, len(err))
    handle = lib.rd_kafka_new(_RD_KAFKA_PRODUCER, conf, err, len(err))
    if not handle:
        raise BrokerError(f"librdkafka: {err.value.decode()}")
    cluster = lib.rd_kafka_mock_cluster_new(handle, brokers)
    if not cluster:
        raise BrokerError("librdkafka could not start a test cluster")
    lib.rd_kafka_mock_set_controller_id(cluster, 1)  # clients (aiokafka's admin) expect a controller
    for name, partitions in topics.items():
        code = lib.rd_kafka_mock_topic_create(cluster, name.encode(), partitions, min(brokers, 3))
        if code:
            raise BrokerError(f"creating topic {name}: librdkafka error {code}")
    print(lib.rd_kafka_mock_cluster_bootstraps(cluster).decode(), file=out, flush=True)
    for line in sys.stdin:
        verb, *numbers = line.split()
        if COMMANDS.get(verb) != len(numbers) or not all(n.isdigit() for n in numbers):
            print(f"error: unknown command {line.strip()!r}", file=out, flush=True)
            continue
        code = _execute(lib, cluster, topics, groups, verb, [int(n) for n in numbers])
        print("ok" if code == 0 else f"error: librdkafka error {code}", file=out, flush=True)


def _execute(lib: ctypes.CDLL, cluster: int, topics: dict[str, int], groups: list[str], verb: str,
             args: list[int]) -> int:
    if verb == "fail":
        lib.rd_kafka_mock_push_request_errors_array(cluster, args[0], 1, (ctypes.c_int * 1)(args[1]))
        return 0
    if verb == "down":
        return int(lib.rd_kafka_mock_broker_set_down(cluster, args[0]))
    if verb == "up":
        return int(lib.rd_kafka_mock_broker_set_up(cluster, args[0]))
    codes = [lib.rd_kafka_mock_partition_set_leader(cluster, name.encode(), p, args[0])
             for name, partitions in topics.items() for p in range(partitions)]
    codes += [lib.rd_kafka_mock_coordinator_set(cluster, b"group", group.encode(), args[0]) for group in groups]
    return next((int(c) for c in codes if c), 0)


@dataclass
class RdkafkaCluster:
    """The cluster in a child process; `restart()` takes a broker down and brings it back."""

    topics: dict[str, int]
    brokers: int = 1  # more than one: each topic has min(brokers, 3) replicas
    groups: list[str] = field(default_factory=list)  # consumer groups whose coordinator moves with a restart
    log_path: Path | None = None
    debug: bool = False  # log every request and group state change (librdkafka's "mock" debug context)
    process: subprocess.Popen[str] | None = None
    bootstrap: str = ""
    restarts: list[float] = field(default_factory=list)  # how long each restart kept the broker down

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self, timeout: float = 15.0) -> RdkafkaCluster:
        args = [sys.executable, "-m", "streams.chaos.rdkafka_cluster", "--brokers", str(self.brokers),
                *(["--debug"] if self.debug else []), *(f"--group={g}" for g in self.groups),
                *(f"{name}:{n}" for name, n in self.topics.items())]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                                        start_new_session=True)
        self.bootstrap = self._reply(timeout)
        if self.bootstrap.startswith("error") or ":" not in self.bootstrap:
            raise BrokerError(f"the test cluster did not start: {self.bootstrap!r}")
        return self

    def _reply(self, timeout: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        # one line answers each command, so nothing waits in the reader's buffer when select says ready
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline().strip() if ready else ""
        if not line:
            raise BrokerError(f"the test cluster gave no answer in {timeout}s (exit code {self.process.poll()}); "
                              f"see {self.log_path}")
        return line

    def _command(self, line: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        reply = self._reply(5.0)
        if reply != "ok":
            raise BrokerError(f"test cluster: {line!r} -> {reply}")

    def down(self, broker: int = 1) -> None:
        self._command(f"down {broker}")

    def up(self, broker: int = 1) -> None:
        self._command(f"up {broker}")

    def lead(self, broker: int) -> None:
        """Make this broker the leader of every partition and the coordinator of every group."""
        self._command(f"lead {broker}")

    def fail_next(self, api_key: int, error_code: int) -> None:
        """Answer the next request of this Kafka API with this error code (as a broker in trouble would)."""
        self._command(f"fail {api_key} {error_code}")

    def restart(self, down_for_s: float, broker: int = 1) -> None:
        """A broker restart as clients see it: connections drop, none is accepted for a while, then all is back.
        With other brokers, leadership moves to one of them first, as a controlled shutdown does; it stays
        there afterwards, as until Kafka's next preferred-leader election."""
        began = time.monotonic()
        if self.brokers > 1:
            self.lead(broker % self.brokers + 1)
        self.down(broker)
        time.sleep(down_for_s)  # the outage itself, not synchronisation
        self.up(broker)
        self.restarts.append(time.monotonic() - began)

    def stop(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()  # end of stdin ends the child
        stop_process_group(self.process)
        self.process = None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--brokers", type=int, default=1)
    p.add_argument("--debug", action="store_true", help="log every request and group state change to stderr")
    p.add_argument("--group", action="append", default=[], help="a consumer group that moves with leadership")
    p.add_argument("topics", nargs="*", metavar="NAME:PARTITIONS")
    args = p.parse_args(argv)
    topics = {name: int(n) for name, _, n in (t.rpartition(":") for t in args.topics)}
    try:
        serve(args.brokers, topics, args.group, sys.stdout, args.debug)
    except BrokerError as exc:
        print(f"error: {exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
