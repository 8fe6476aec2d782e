"""The Knative Services are valid Knative `serving.knative.dev/v1` Services (the fields
Knative's webhook accepts, with its default limits) wired to the images, probes, user, secrets
and ConfigMap they need; the ConfigMap is made from infra/openfaas/env.yml (its `environment:`
mapping unwrapped, every value a string) by `infrazen-agent configmap`, and the committed file is
what that command prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from infrazen_agent.config import Settings

ROOT = Path(__file__).resolve().parents[2]
KNATIVE = ROOT / "infra" / "openfaas" / "knative"

_PROBE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "httpGet": {
            "type": "object",
            "additionalProperties": False,
            "required": ["path"],
            "properties": {"path": {"type": "string"}, "port": {"type": "integer"}, "httpHeaders": {"type": "array"}},
        },
        **{k: {"type": "integer", "minimum": 0} for k in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds")},
        **{k: {"type": "integer", "minimum": 1} for k in ("successThreshold", "failureThreshold")},
    },
}
# The Knative Service schema (serving.knative.dev/v1, as its API reference and webhook define it)
# for the fields these manifests may use: Knative accepts only a subset of a Pod spec, one
# serving port, and a revision timeout up to max-revision-timeout-seconds (600 s by default).
SERVICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "serving.knative.dev/v1"},
        "kind": {"const": "Service"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["template"],
            "properties": {
                "traffic": {"type": "array"},
                "template": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["spec"],
                    "properties": {
                        "metadata": {
                            "type": "object",
                            "properties": {
                                "annotations": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                    "propertyNames": {"pattern": "^(autoscaling|features|serving)\\.knative\\.dev/"},
                                },
                                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                            },
                        },
                        "spec": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["containers"],
                            "properties": {
                                "containerConcurrency": {"type": "integer", "minimum": 0, "maximum": 1000},
                                "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 600},
                                "responseStartTimeoutSeconds": {"type": "integer", "minimum": 1},
                                "idleTimeoutSeconds": {"type": "integer", "minimum": 1},
                                "serviceAccountName": {"type": "string"},
                                "imagePullSecrets": {"type": "array"},
                                "volumes": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["name"],
                                        "additionalProperties": False,
                                        "properties": {
                                            "name": {"type": "string"},
                                            "secret": {"type": "object", "required": ["secretName"]},
                                            "configMap": {"type": "object", "required": ["name"]},
                                            "projected": {"type": "object"},
                                            "emptyDir": {"type": "object"},
                                        },
                                    },
                                },
                                "containers": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["image"],
                                        "properties": {
                                            "name": {"type": "string"},
                                            "image": {"type": "string", "minLength": 1},
                                            "args": {"type": "array", "items": {"type": "string"}},
                                            "command": {"type": "array", "items": {"type": "string"}},
                                            "env": {"type": "array"},
                                            "envFrom": {"type": "array"},
                                            "imagePullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
                                            "ports": {
                                                "type": "array",
                                                "maxItems": 1,
                                                "items": {
                                                    "type": "object",
                                                    "additionalProperties": False,
                                                    "required": ["containerPort"],
                                                    "properties": {
                                                        "containerPort": {"type": "integer"},
                                                        "name": {"enum": ["http1", "h2c"]},
                                                        "protocol": {"const": "TCP"},
                                                    },
                                                },
                                            },
                                            "readinessProbe": _PROBE,
                                            "livenessProbe": _PROBE,
                                            "resources": {
                                                "type": "object",
                                                "additionalProperties": False,
                                                "properties": {
                                                    "limits": {"type": "object"},
                                                    "requests": {"type": "object"},
                                                },
                                            },
                                            "securityContext": {
                                                "type": "object",
                                                "additionalProperties": False,
                                                "properties": {
                                                    "allowPrivilegeEscalation": {"type": "boolean"},
                                                    "capabilities": {"type": "object"},
                                                    "readOnlyRootFilesystem": {"type": "boolean"},
                                                    "runAsGroup": {"type": "integer"},
                                                    "runAsNonRoot": {"type": "boolean"},
                                                    "runAsUser": {"type": "integer"},
                                                    "seccompProfile": {"type": "object"},
                                                },
                                            },
                                            "volumeMounts": {"type": "array"},
                                            "workingDir": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

SERVICES = sorted(KNATIVE.glob("agent-*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


@pytest.mark.parametrize("path", SERVICES, ids=[p.stem for p in SERVICES])
def test_services_are_valid_knative_services(path: Path) -> None:
    service = _load(path)
    jsonschema.validate(service, SERVICE_SCHEMA)
    name = service["metadata"]["name"]
    stack = yaml.safe_load((ROOT / "stack.yml").read_text())["functions"][name]
    spec = service["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"].rsplit(":", 1)[0].endswith(stack["image"].split("}/", 1)[1].split(":", 1)[0])
    port = container["ports"][0]["containerPort"]
    assert port == 8080
    assert container["readinessProbe"]["httpGet"]["path"] == "/_/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/_/health"
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"].get("port", port) == port, "Knative probes only the serving port"
    assert container["securityContext"]["runAsNonRoot"] is True and container["securityContext"]["runAsUser"] == 10001
    assert {"configMapRef": {"name": _configmap()["metadata"]["name"]}} in container["envFrom"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes[next(n for n, p in mounts.items() if p == "/var/openfaas/secrets")]["secret"]["secretName"]
    assert container["resources"]["limits"]["memory"] == stack["limits"]["memory"]


def _configmap() -> dict[str, Any]:
    return _load(KNATIVE / "configmap.yaml")


def test_the_configmap_is_made_from_env_yml() -> None:
    env = yaml.safe_load((ROOT / "infra" / "openfaas" / "env.yml").read_text())["environment"]
    configmap = _configmap()
    assert configmap["kind"] == "ConfigMap" and configmap["metadata"]["name"] == "infrazen-agent-env"
    assert set(configmap["data"]) == set(env), "the keys of `environment:`, not a nested document"
    assert all(isinstance(v, str) for v in configmap["data"].values())
    printed = subprocess.run(
        [sys.executable, "-m", "infrazen_agent.cli", "configmap", "--env-file", "infra/openfaas/env.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == (KNATIVE / "configmap.yaml").read_text(), "configmap.yaml is stale: regenerate it"
    # Settings reads every value as given (what Knative's envFrom will hand the container)
    settings = Settings(
        _env_file=None, **{k.lower(): v for k, v in configmap["data"].items() if k.lower() in Settings.model_fields}
    )  # type: ignore[arg-type]
    assert settings.agent_env == "prod" and settings.llm_timeout_s == 60.0
    assert settings.llm_fallback_models == ["openrouter/anthropic/claude-3.5-haiku"]


def test_an_env_file_without_environment_is_refused() -> None:
    from infrazen_agent.commands.kubernetes import configmap
    from infrazen_agent.config import ConfigError

    with pytest.raises(ConfigError):
        configmap("AGENT_ENV: prod\n", name="x", namespace="y")
    with pytest.raises(ConfigError, match="LLM_TIMEOUT"):
        configmap("environment:\n  LLM_TIMEOUT: 5\n", name="x", namespace="y")
