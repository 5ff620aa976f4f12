"""Deployment files: docker-compose stack, worker image, Kubernetes manifests.

Nothing here starts a container: the files are parsed and cross-checked against each other and
against the settings the worker really reads.
"""

from __future__ import annotations

import copy
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSIONS = ("1.29.0", "1.37.0")  # oldest still common, newest bundled schemas


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def workers() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services().items() if s.get("command") == ["sessionscope", "worker"]}


def settings_env_names() -> set[str]:
    return {f"SESSIONSCOPE_{name.upper()}" for name in Settings.model_fields}


def k8s_docs() -> dict[str, dict[str, Any]]:
    """kind/name -> manifest, for every resource the kustomization lists."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = {}
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((K8S / name).read_text()):
            docs[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return docs


# docker-compose -------------------------------------------------------------------------------


def test_compose_has_the_whole_stack() -> None:
    svc = services()
    for name in ("kafka", "topic-init", "prometheus", "alertmanager", "grafana", "otel-collector"):
        assert name in svc, name
    assert len(workers()) >= 2
    assert svc["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in svc["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    assert not any("zookeeper" in name for name in svc)
    assert svc["otel-collector"]["image"].startswith("otel/opentelemetry-collector-contrib:")


def test_workers_build_the_image_and_reach_the_broker() -> None:
    kafka_env = services()["kafka"]["environment"]
    advertised = dict(item.split("://", 1) for item in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    for name, worker in workers().items():
        build = worker["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile", name
        env = worker["environment"]
        assert env["SESSIONSCOPE_BROKER"] == f"kafka://{advertised['PLAINTEXT']}", name
        assert env["SESSIONSCOPE_METRICS_HOST"] == "0.0.0.0", name
        assert env["SESSIONSCOPE_STORE"] == "rocksdb://", name
        assert set(env) <= settings_env_names(), f"{name}: unknown settings {set(env) - settings_env_names()}"
        assert env["SESSIONSCOPE_ANTHROPIC_API_KEY"] is None, "the key is passed through, never written here"
        state = [v for v in worker["volumes"] if v.split(":")[1] == "/var/lib/sessionscope"]
        assert state and env["SESSIONSCOPE_DATA_DIR"].startswith("/var/lib/sessionscope/"), name
    volumes = [w["volumes"][0].split(":")[0] for w in workers().values()]
    assert len(set(volumes)) == len(volumes), "each worker needs its own state volume"


def test_topic_init_creates_every_topic_the_worker_uses() -> None:
    script = " ".join(services()["topic-init"]["command"])
    for field, info in Settings.model_fields.items():
        if field.startswith("topic_"):
            assert re.search(rf"\b{re.escape(str(info.default))}\b", script), f"{info.default} is not created"
    assert f"--partitions {Settings.model_fields['partitions'].default}" in script
    assert services()["topic-init"]["restart"] == "no"


def test_depends_on_and_healthchecks_are_consistent() -> None:
    svc = services()
    for name in ("kafka", "prometheus", "alertmanager", "grafana", *workers()):
        test = svc[name]["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"} and len(test) > 1, name
    for name, service in svc.items():
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in svc, f"{name} depends on unknown {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in svc[dep], f"{name} waits for {dep} to be healthy; it has no healthcheck"
            if cond["condition"] == "service_completed_successfully":
                assert svc[dep].get("restart") == "no", f"{dep} must run once"
    for worker in workers().values():
        assert worker["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"

    def reaches(start: str, seen: tuple[str, ...] = ()) -> None:
        assert start not in seen, f"depends_on cycle: {' -> '.join((*seen, start))}"
        for dep in svc[start].get("depends_on") or {}:
            reaches(dep, (*seen, start))

    for name in svc:
        reaches(name)


def test_every_mounted_file_exists() -> None:
    mounts = 0
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), f"{name}: {source} does not exist"
                mounts += 1
    assert mounts >= 5
    assert set(compose()["volumes"]) >= {v.split(":")[0] for s in services().values()
                                         for v in s.get("volumes", []) if not v.startswith((".", "/"))}


def test_grafana_mounts_match_its_provisioning() -> None:
    grafana = services()["grafana"]["volumes"]
    provider = yaml.safe_load((ROOT / "grafana/provisioning/dashboards/sessionscope.yaml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert f"../grafana/dashboards:{path}:ro" in grafana
    assert "../grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
    source = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    assert source["datasources"][0]["url"] == "http://prometheus:9090"


def test_prometheus_scrapes_every_worker_and_sends_to_alertmanager() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    assert "./prometheus:/etc/prometheus:ro" in services()["prometheus"]["volumes"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = {t for sc in jobs["sessionscope"]["static_configs"] for t in sc["targets"]}
    expected = {f"{name}:{w['environment']['SESSIONSCOPE_METRICS_PORT']}" for name, w in workers().items()}
    assert targets == expected
    am = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert am == ["alertmanager:9093"]
    assert config["rule_files"] == ["rules/*.yml"]


# Dockerfile -----------------------------------------------------------------------------------


def dockerfile() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_copies_files_that_exist() -> None:
    copies = [shlex.split(line)[1:] for line in dockerfile() if line.startswith("COPY ")]
    sources = [src for args in copies if not args[0].startswith("--from") for src in args[:-1]]
    assert {"pyproject.toml", "models", "streams"} <= set(sources)
    for src in sources:
        assert (ROOT / src).exists(), f"Dockerfile copies {src}, which does not exist (build context: repo root)"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    readme = pyproject["project"].get("readme")
    if readme:  # pip install . reads it
        assert readme in sources


def test_dockerfile_runs_the_worker_as_a_non_root_user() -> None:
    lines = dockerfile()
    assert [line for line in lines if line.startswith("FROM ")][-1] == "FROM python:3.11-slim"
    user = [line for line in lines if line.startswith("USER ")][-1].split()[1]
    assert user.split(":")[0] not in {"root", "0"}
    assert lines[-1] == 'CMD ["sessionscope", "worker"]'
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "sessionscope" in scripts
    assert any("rocksdb" in line for line in lines if line.startswith("RUN pip"))


# Kubernetes -----------------------------------------------------------------------------------


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    generated = {f for gen in kustomization.get("configMapGenerator", []) for f in gen["files"]}
    on_disk = {p.name for p in K8S.iterdir() if p.suffix in {".yaml", ".yml"}} - {"kustomization.yaml"}
    assert listed | generated == on_disk
    assert all((K8S / f).exists() for f in listed | generated)
    assert kustomization["namespace"] == "sessionscope"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_validate_against_kubernetes_schemas(version: str) -> None:
    docs = k8s_docs()
    assert {"Namespace", "ConfigMap", "Secret", "Service", "StatefulSet", "PodDisruptionBudget"} <= {
        key.split("/")[0] for key in docs}
    for key, doc in docs.items():
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{key} is not a valid Kubernetes {version} resource: {exc.message}")


def test_schema_validation_rejects_a_misspelt_field() -> None:
    broken = copy.deepcopy(k8s_docs()["StatefulSet/sessionscope-worker"])
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)


def test_worker_statefulset_is_wired_to_its_config_volume_and_probes() -> None:
    docs = k8s_docs()
    config = docs["ConfigMap/sessionscope-config"]["data"]
    secret = docs["Secret/sessionscope-secrets"]["stringData"]
    assert set(config) <= settings_env_names() and set(secret) <= settings_env_names()
    assert "SESSIONSCOPE_ANTHROPIC_API_KEY" in secret and "SESSIONSCOPE_ANTHROPIC_API_KEY" not in config
    assert config["SESSIONSCOPE_STORE"] == "rocksdb://"
    assert config["SESSIONSCOPE_METRICS_HOST"] == "0.0.0.0"
    port = int(config["SESSIONSCOPE_METRICS_PORT"])

    sts = docs["StatefulSet/sessionscope-worker"]
    pod = sts["spec"]["template"]
    spec = pod["spec"]
    (container,) = spec["containers"]
    assert container["command"] == ["sessionscope", "worker"]
    refs = {next(iter(ref)): ref[next(iter(ref))]["name"] for ref in container["envFrom"]}
    assert refs == {"configMapRef": "sessionscope-config", "secretRef": "sessionscope-secrets"}
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"metrics": port}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/metrics", "port": "metrics"}, probe
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), kind
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"

    (claim,) = sts["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert config["SESSIONSCOPE_DATA_DIR"].startswith(mounts[claim["metadata"]["name"]] + "/")
    uid = next(line.split()[1] for line in dockerfile() if line.startswith("USER ")).split(":")[0]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert str(spec["securityContext"]["fsGroup"]) == uid == str(spec["securityContext"]["runAsUser"])
    assert sts["spec"]["replicas"] >= 2


def test_service_and_budget_select_the_workers() -> None:
    docs = k8s_docs()
    sts = docs["StatefulSet/sessionscope-worker"]
    labels = sts["spec"]["template"]["metadata"]["labels"]
    service = docs[f"Service/{sts['spec']['serviceName']}"]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"].items() <= labels.items()
    assert sts["spec"]["selector"]["matchLabels"].items() <= labels.items()
    pdb = next(d for k, d in docs.items() if k.startswith("PodDisruptionBudget/"))
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    namespaces = {d["metadata"].get("namespace") for k, d in docs.items() if not k.startswith("Namespace/")}
    assert namespaces == {"sessionscope"}


def test_kubernetes_scrape_config_finds_the_headless_service() -> None:
    docs = k8s_docs()
    service = docs["Service/sessionscope"]
    (port,) = service["spec"]["ports"]
    config = yaml.safe_load((K8S / "prometheus-scrape.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "sessionscope"  # dashboards and alerts select job="sessionscope"
    name = job["dns_sd_configs"][0]["names"][0]
    meta = service["metadata"]
    assert name == f"_{port['name']}._tcp.{meta['name']}.{meta['namespace']}.svc.cluster.local"
    assert service["spec"]["publishNotReadyAddresses"] is True
