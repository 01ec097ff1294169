"""The deploy files stay valid and in step with the code.

``docker-compose.yml`` is checked by ``docker-compose config`` (or ``docker compose
config`` where the v2 plugin is what exists); neither needs a Docker engine. Without
either these tests fail, never skip: CI installs one with
``apt-get install -y --no-install-recommends docker-compose``.

Every command of the compose services built from ``deploy/Dockerfile``, of the
Kubernetes containers running that image and of the Dockerfile itself must be a
console script declared in a workspace member's ``[project.scripts]``.
"""

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
OTEL_CONFIG = ROOT / "deploy" / "otel-collector.yaml"
K8S = ROOT / "deploy" / "k8s"
NAMESPACE = "supportdesk"
IMAGE = "supportdesk"
"""The image's name in the Kubernetes manifests (kustomize ``images`` renames it)."""
INSTALL_HINT = "apt-get install -y --no-install-recommends docker-compose"

APP_PORTS = {"tickets": 8101, "sla": 8102, "notifications": 8103, "gateway": 8100}
"""Compose services that serve HTTP, with their ports."""
NOT_DEPLOYED = {"supportdesk"}
"""Console scripts that are not long-running services (the operator's CLI)."""
EXPECTED_K8S_KINDS = {
    "Namespace",
    "ConfigMap",
    "Secret",
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "Job",
}

Doc = dict[str, Any]


@cache
def console_scripts() -> frozenset[str]:
    """Every ``[project.scripts]`` name of the workspace members."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    scripts: set[str] = set()
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for member in sorted(ROOT.glob(pattern)):
            pyproject = member / "pyproject.toml"
            if pyproject.is_file():
                project = tomllib.loads(pyproject.read_text())["project"]
                scripts.update(project.get("scripts", {}))
    assert scripts, "no console scripts found in the workspace"
    return frozenset(scripts)


# --- docker compose --------------------------------------------------------------


def compose_command() -> list[str]:
    """``docker-compose``, else ``docker compose``; fails when neither is installed."""
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    pytest.fail(
        "neither docker-compose nor the docker compose plugin is installed; "
        f"install one, e.g. `{INSTALL_HINT}`"
    )


def interpolated_variables() -> set[str]:
    return set(re.findall(r"\$\{(\w+)", COMPOSE_FILE.read_text()))


def compose_config(overrides: dict[str, str] | None = None) -> Doc:
    """The resolved compose file, with the file's own defaults unless overridden."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in interpolated_variables() and not k.startswith("COMPOSE_")
    }
    env.update(overrides or {})
    done = subprocess.run(
        [*compose_command(), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"compose config failed:\n{done.stderr}"
    config = yaml.safe_load(done.stdout)
    assert isinstance(config, dict)
    return config


@pytest.fixture(scope="module")
def services() -> Doc:
    found = compose_config()["services"]
    assert isinstance(found, dict)
    return found


def built_here(service: Doc) -> bool:
    return "build" in service


def argv(command: str | list[str] | None) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else list(command)


def depends_on(service: Doc) -> dict[str, str]:
    """Dependency name to condition (a list means ``service_started``)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {
        name: spec.get("condition", "service_started") for name, spec in raw.items()
    }


def published_ports(service: Doc) -> list[str]:
    """Host ports, from either the short syntax or the long one (v2 prints that)."""
    found: list[str] = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            if port.get("published") not in (None, ""):
                found.append(str(port["published"]))
        else:
            parts = str(port).split("/")[0].split(":")
            if len(parts) > 1:
                found.append(parts[-2])
    return found


def bind_sources(service: Doc) -> dict[str, str]:
    """Container path to host path of the service's bind mounts."""
    found: dict[str, str] = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                found[volume["target"]] = volume["source"]
        else:
            source, target, *_ = str(volume).split(":")
            if source.startswith(("/", ".")):
                found[target] = source
    return found


def test_compose_file_has_the_expected_services(services: Doc) -> None:
    expected = {"postgres", "rabbitmq", "otel-collector", "tickets-relay", *APP_PORTS}
    assert expected <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["otel-collector"]["image"].startswith(
        "otel/opentelemetry-collector-contrib"
    )
    for name in ("postgres", "rabbitmq"):
        assert services[name].get("volumes"), f"{name} keeps no data volume"


def test_application_services_are_built_from_the_dockerfile(services: Doc) -> None:
    built = {name for name, service in services.items() if built_here(service)}
    assert {"tickets-relay", *APP_PORTS} <= built
    for name in built:
        build = services[name]["build"]
        context = Path(build["context"])
        assert context.resolve() == ROOT, name
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE, name


def test_health_checks(services: Doc) -> None:
    for name in ("postgres", "rabbitmq", *APP_PORTS):
        assert services[name].get("healthcheck", {}).get("test"), f"{name}: no check"
    for name, port in APP_PORTS.items():
        test = " ".join(argv(services[name]["healthcheck"]["test"]))
        assert "python" in test, f"{name}: health check must use python (no curl)"
        assert "curl" not in test
        assert f"127.0.0.1:{port}/readyz" in test, f"{name}: must probe /readyz"


def test_dependencies_wait_for_health(services: Doc) -> None:
    for name in ("tickets", "tickets-relay"):
        found = depends_on(services[name])
        assert found["postgres"] == "service_healthy", name
        assert found["rabbitmq"] == "service_healthy", name
    assert depends_on(services["gateway"])["tickets"] == "service_healthy"
    for name, service in services.items():
        for dependency in depends_on(service):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_gateway_points_at_the_tickets_service(services: Doc) -> None:
    environment = services["gateway"]["environment"]
    assert environment["DESK_TICKETS_URL"] == f"http://tickets:{APP_PORTS['tickets']}"
    assert environment["DESK_JWT_SECRET"], "the JWT secret needs a development default"


def test_services_can_be_scaled(services: Doc) -> None:
    for name, service in services.items():
        assert "container_name" not in service, f"{name}: container_name blocks scale"
    assert published_ports(services["gateway"]) == [str(APP_PORTS["gateway"])]
    for name, service in services.items():
        if built_here(service) and name != "gateway":
            assert not published_ports(service), f"{name}: fixed host port"


def test_secrets_come_from_the_environment() -> None:
    found = compose_config(
        {
            "DESK_JWT_SECRET": "jwt-from-env",
            "POSTGRES_PASSWORD": "pg-from-env",
            "RABBITMQ_PASSWORD": "mq-from-env",
        }
    )["services"]
    assert found["gateway"]["environment"]["DESK_JWT_SECRET"] == "jwt-from-env"
    assert found["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pg-from-env"
    tickets = found["tickets"]["environment"]
    assert ":pg-from-env@postgres:5432" in tickets["DESK_PG_URL"]
    assert ":mq-from-env@rabbitmq:5672" in tickets["DESK_AMQP_URL"]


def test_otel_collector_receives_otlp_http_and_prints(services: Doc) -> None:
    mounts = bind_sources(services["otel-collector"])
    assert Path(mounts["/etc/otelcol-contrib/config.yaml"]).resolve() == OTEL_CONFIG
    config = yaml.safe_load(OTEL_CONFIG.read_text())
    assert "http" in config["receivers"]["otlp"]["protocols"]
    assert "debug" in config["exporters"]
    traces = config["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"]
    assert "debug" in traces["exporters"]
    for name in APP_PORTS:
        endpoint = services[name]["environment"]["DESK_OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert endpoint == "http://otel-collector:4318"


# --- Kubernetes ------------------------------------------------------------------


def k8s_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.fixture(scope="module")
def manifests() -> list[Doc]:
    docs: list[Doc] = []
    for path in k8s_files():
        found = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        assert found, f"{path.name} holds no manifest"
        for doc in found:
            assert isinstance(doc, dict), path.name
            docs.append(doc)
    return docs


def of_kind(manifests: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in manifests if d["kind"] == kind}


def pod_spec(workload: Doc) -> Doc:
    return cast(Doc, workload["spec"]["template"]["spec"])


def containers(manifests: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for kind in ("Deployment", "Job"):
        for name, workload in of_kind(manifests, kind).items():
            for container in pod_spec(workload)["containers"]:
                yield f"{kind}/{name}", container


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == NAMESPACE
    assert sorted(kustomization["resources"]) == [p.name for p in k8s_files()]
    assert [image["name"] for image in kustomization["images"]] == [IMAGE]


def test_manifests_parse_with_the_expected_kinds(manifests: list[Doc]) -> None:
    assert {d["kind"] for d in manifests} >= EXPECTED_K8S_KINDS
    for doc in manifests:
        assert doc.get("apiVersion"), doc
        assert doc["metadata"].get("name"), doc
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, doc["metadata"]
    assert set(of_kind(manifests, "Namespace")) == {NAMESPACE}


def test_deployments_have_probes_and_resources(manifests: list[Doc]) -> None:
    deployments = of_kind(manifests, "Deployment")
    assert {"desk-tickets", "desk-gateway"} <= set(deployments)
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), name
        for container in pod_spec(deployment)["containers"]:
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests), name
            if container.get("ports"):  # serves HTTP: /healthz and /readyz
                readiness = container["readinessProbe"]["httpGet"]["path"]
                assert readiness == "/readyz", name
                liveness = container["livenessProbe"]["httpGet"]["path"]
                assert liveness == "/healthz", name


def test_services_select_deployments(manifests: list[Doc]) -> None:
    deployments = of_kind(manifests, "Deployment").values()
    for name, service in of_kind(manifests, "Service").items():
        selector = service["spec"]["selector"]
        targets = [
            d
            for d in deployments
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(targets) == 1, f"Service {name} selects {len(targets)} Deployments"
        ports = {
            value
            for container in pod_spec(targets[0])["containers"]
            for port in container.get("ports", [])
            for value in (port.get("name"), port["containerPort"])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"Service {name}: {port}"


def test_hpa_scales_the_gateway(manifests: list[Doc]) -> None:
    hpas = list(of_kind(manifests, "HorizontalPodAutoscaler").values())
    assert hpas
    deployments = of_kind(manifests, "Deployment")
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment"
        assert target["name"] in deployments
    gateway = [h["spec"]["scaleTargetRef"]["name"] for h in hpas]
    assert "desk-gateway" in gateway


def test_configuration_references_exist(manifests: list[Doc]) -> None:
    configmaps = of_kind(manifests, "ConfigMap")
    secrets = of_kind(manifests, "Secret")
    for where, container in containers(manifests):
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in configmaps, where
            if "secretRef" in source:
                assert source["secretRef"]["name"] in secrets, where
    services = of_kind(manifests, "Service")
    port = services["desk-tickets"]["spec"]["ports"][0]["port"]
    tickets_url = configmaps["desk-config"]["data"]["DESK_TICKETS_URL"]
    assert tickets_url == f"http://desk-tickets:{port}"


def test_migration_job_runs_supportdesk_migrate(manifests: list[Doc]) -> None:
    jobs = of_kind(manifests, "Job")
    commands = [
        argv(c.get("command")) + argv(c.get("args"))
        for job in jobs.values()
        for c in pod_spec(job)["containers"]
    ]
    assert ["supportdesk", "migrate"] in commands


# --- commands name console scripts -----------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            found.append((instruction.upper(), rest.strip()))
    return found


def test_dockerfile() -> None:
    instructions = dockerfile_instructions()
    kinds = [i for i, _ in instructions]
    assert "HEALTHCHECK" not in kinds
    assert "ENTRYPOINT" not in kinds, "the command alone must name the script"
    runs = " ".join(rest for i, rest in instructions if i == "RUN")
    assert "uv sync --frozen --no-dev" in runs
    users = [rest for i, rest in instructions if i == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    env = " ".join(rest for i, rest in instructions if i == "ENV")
    for setting in (
        "DESK_TICKETS_HOST=0.0.0.0",
        "DESK_GATEWAY_HOST=0.0.0.0",
        "DESK_LOG_FORMAT=json",
    ):
        assert setting in env


def deployed_commands(services: Doc, manifests: list[Doc]) -> dict[str, list[str]]:
    """Where (compose service, k8s workload, Dockerfile) to the command it runs."""
    commands: dict[str, list[str]] = {}
    for name, service in services.items():
        if built_here(service):
            commands[f"compose {name}"] = argv(service.get("command"))
    for where, container in containers(manifests):
        if container["image"].split(":")[0] == IMAGE:
            # No ENTRYPOINT: with no command, args[0] is what runs.
            run = argv(container.get("command")) or argv(container.get("args"))
            commands[f"k8s {where}"] = run
    cmd = [rest for i, rest in dockerfile_instructions() if i == "CMD"]
    commands["Dockerfile CMD"] = cast(list[str], yaml.safe_load(cmd[-1]))
    return commands


def test_every_command_is_a_console_script(services: Doc, manifests: list[Doc]) -> None:
    scripts = console_scripts()
    commands = deployed_commands(services, manifests)
    assert len(commands) >= 6
    unknown = {
        where: run
        for where, run in commands.items()
        if not run or run[0] not in scripts
    }
    assert not unknown, f"{unknown}: not console scripts of {sorted(scripts)}"


def test_every_service_script_is_deployed(services: Doc, manifests: list[Doc]) -> None:
    """A new service's console script needs a compose service and a k8s workload."""
    commands = deployed_commands(services, manifests).items()
    for platform in ("compose", "k8s"):
        deployed = {
            run[0] for where, run in commands if run and where.startswith(platform)
        }
        missing = console_scripts() - NOT_DEPLOYED - deployed
        assert not missing, f"not deployed by {platform}: {sorted(missing)}"
