#!/usr/bin/python3
"""deploy.manifests: structural checks of docker/compose.yaml, the Kubernetes sidecar
manifest and the systemd environment file example, without Docker or a cluster.

Usage: manifests_test.py SOURCE_DIR AGENT_BINARY

Runs under Debian's own interpreter (python3-yaml). Each check prints "ok: ..." or
"FAIL: ..."; the exit status is 1 when any check failed.
"""

import os
import re
import subprocess
import sys
import tempfile

import yaml

SOURCE_DIR, AGENT = sys.argv[1], sys.argv[2]
FAILURES = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        FAILURES.append(what)
    return condition


def known_environment_variables():
    """The variables the agent reads, from agent/config/source.hpp."""
    with open(os.path.join(SOURCE_DIR, "agent/config/source.hpp"), encoding="utf-8") as f:
        names = set(re.findall(r'k_\w+ = "([A-Z_]+)"', f.read()))
    assert "DATABASE_URL" in names, "cannot read the variable names from source.hpp"
    return names


def run_agent(args, env):
    return subprocess.run([AGENT, *args], env=env, capture_output=True, text=True, timeout=30)


def agent_accepts_config(toml_text, what):
    """The agent loads the TOML (every key validated) and reads the example migrations."""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(toml_text)
        path = f.name
    try:
        result = run_agent(["--config", path, "--migrations-dir",
                            os.path.join(SOURCE_DIR, "migrations"), "heads"], {"PATH": "/usr/bin:/bin"})
        check(result.returncode == 0,
              f"{what} is accepted by migration-agent (exit {result.returncode}) {result.stderr.strip()}")
    finally:
        os.unlink(path)


def as_env_dict(environment):
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return dict(environment or {})


def truthy(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def check_compose(known):
    path = os.path.join(SOURCE_DIR, "docker/compose.yaml")
    with open(path, encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    check({"postgres", "migration-agent", "app"} <= set(services),
          "compose: services postgres, migration-agent, app")
    check(str(services["postgres"].get("image", "")).startswith("postgres:15"),
          "compose: postgres is PostgreSQL 15")
    check("healthcheck" in services["postgres"], "compose: postgres has a healthcheck")

    agent = services["migration-agent"]
    build = agent.get("build", {})
    check(build.get("dockerfile") == "docker/Dockerfile" and
          os.path.isfile(os.path.join(os.path.dirname(path), build.get("context", "."), "docker/Dockerfile")),
          "compose: the agent is built from docker/Dockerfile with the repository as context")
    env = as_env_dict(agent.get("environment"))
    check(set(env) <= known, f"compose: agent variables are ones the agent reads ({sorted(set(env) - known)} unknown)")
    check(truthy(env.get("AUTO_MIGRATE")), "compose: AUTO_MIGRATE is on")
    check(re.match(r"^postgres(ql)?(\+\w+)?://[^@]+@postgres:5432/", env.get("DATABASE_URL", "")) is not None,
          "compose: DATABASE_URL points at the postgres service")
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in agent.get("volumes", [])}
    check(env.get("MIGRATIONS_DIR") in mounts, "compose: MIGRATIONS_DIR is a mounted volume")
    source = mounts.get(env.get("MIGRATIONS_DIR"), "")
    check(not source.startswith(".") or os.path.isdir(os.path.join(os.path.dirname(path), source)),
          f"compose: the migrations bind mount {source} exists")
    check(agent.get("init") is True, "compose: the agent runs under an init (reaps orphans)")
    check(re.match(r"^\d+s$", str(agent.get("stop_grace_period", ""))) is not None and
          int(str(agent["stop_grace_period"])[:-1]) > 30,
          "compose: stop_grace_period exceeds the agent's 30s shutdown grace")
    check("depends_on" in agent and "postgres" in agent["depends_on"], "compose: the agent starts after postgres")

    app = services["app"]
    check("migration-agent" in app.get("depends_on", {}), "compose: the app depends on the agent")
    command = " ".join(app.get("command", [])) if isinstance(app.get("command"), list) else str(app.get("command"))
    check("/readyz" in command + str(app.get("environment")), "compose: the app waits for /readyz")
    app_sources = {str(v).split(":")[0] for v in app.get("volumes", [])}
    check(source in app_sources, "compose: the app and the agent share the migrations")

    declared = set(compose.get("volumes", {}) or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            src = str(volume).split(":")[0]
            if not src.startswith((".", "/")):
                check(src in declared, f"compose: {name}'s volume {src} is declared")


def container_port(container, port):
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p["containerPort"]
    return None


def check_kubernetes(known):
    path = os.path.join(SOURCE_DIR, "docker/kubernetes/migration-agent-sidecar.yaml")
    with open(path, encoding="utf-8") as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in documents:
        check(bool(d.get("apiVersion")) and bool(d.get("kind")) and bool(d.get("metadata", {}).get("name")),
              f"k8s: {d.get('kind')} {d.get('metadata', {}).get('name')} has apiVersion, kind, name")
        by_kind.setdefault(d["kind"], []).append(d)
    check(len(by_kind.get("Deployment", [])) == 1, "k8s: one Deployment")
    deployment = by_kind["Deployment"][0]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    check(spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items(),
          "k8s: the selector matches the pod labels")
    containers = {c["name"]: c for c in pod["containers"]}
    check({"app", "migration-agent"} <= set(containers), "k8s: containers app and migration-agent")
    init = {c["name"]: c for c in pod.get("initContainers", [])}
    check("copy-migrations" in init, "k8s: an initContainer copies the migrations")
    check(pod.get("terminationGracePeriodSeconds", 30) > 30,
          "k8s: terminationGracePeriodSeconds exceeds the agent's 30s shutdown grace")
    check(pod.get("automountServiceAccountToken") is False, "k8s: no service account token")

    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    pod_security = pod.get("securityContext", {})
    for c in [*pod["containers"], *pod.get("initContainers", [])]:
        for m in c.get("volumeMounts", []):
            check(m["name"] in volumes, f"k8s: {c['name']} mounts declared volume {m['name']}")
        security = c.get("securityContext", {})
        check(security.get("allowPrivilegeEscalation") is False and
              security.get("capabilities", {}).get("drop") == ["ALL"],
              f"k8s: {c['name']} drops all capabilities and privilege escalation")
        check(security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True,
              f"k8s: {c['name']} runs as non-root")
        check((security.get("seccompProfile") or pod_security.get("seccompProfile", {})).get("type") == "RuntimeDefault",
              f"k8s: {c['name']} has the RuntimeDefault seccomp profile")
        resources = c.get("resources", {})
        check("memory" in resources.get("requests", {}) and "memory" in resources.get("limits", {}),
              f"k8s: {c['name']} has memory requests and limits")

    agent = containers["migration-agent"]
    security = agent["securityContext"]
    check(security.get("readOnlyRootFilesystem") is True, "k8s: the agent's root file system is read-only")
    with open(os.path.join(SOURCE_DIR, "docker/Dockerfile"), encoding="utf-8") as f:
        uid = re.findall(r"^USER (\d+)", f.read(), re.M)
    check(bool(uid) and security.get("runAsUser") == int(uid[-1]),
          "k8s: the agent's runAsUser is the image's USER")
    env = {e["name"]: e for e in agent.get("env", [])}
    check(set(env) <= known, f"k8s: agent variables are ones the agent reads ({sorted(set(env) - known)} unknown)")
    check(truthy(env.get("AUTO_MIGRATE", {}).get("value")), "k8s: AUTO_MIGRATE is on")
    check("DATABASE_URL" in env or "DATABASE_URL_FILE" in env, "k8s: the agent has a database URL")
    listen = env.get("MIGRATION_AGENT_METRICS_LISTEN", {}).get("value", "")
    check(listen.startswith("0.0.0.0:"), "k8s: the metrics endpoint listens on the pod IP (kubelet probes it)")
    port = int(listen.rsplit(":", 1)[-1]) if listen else None
    for probe, probe_path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = agent.get(probe, {}).get("httpGet", {})
        check(get.get("path") == probe_path and container_port(agent, get.get("port")) == port,
              f"k8s: the agent's {probe} GETs {probe_path} on the metrics port {port}")
    mounts = {m["mountPath"]: m for m in agent.get("volumeMounts", [])}
    migrations_dir = env.get("MIGRATIONS_DIR", {}).get("value")
    check(migrations_dir in mounts and mounts[migrations_dir].get("readOnly") is True,
          "k8s: the agent reads MIGRATIONS_DIR from a read-only mount")
    check(any(m["name"] == mounts[migrations_dir]["name"] for m in init["copy-migrations"]["volumeMounts"]),
          "k8s: the initContainer fills the agent's migrations volume")
    check("/run/migration-agent" in mounts, "k8s: the control socket directory is a writable volume")

    app = containers["app"]
    app_env = {e["name"]: e for e in app.get("env", [])}
    check(app_env.get("NOW_LMS_AUTO_MIGRATE", {}).get("value") == "0",
          "k8s: the application's own auto-migration is off")
    check("/readyz" in " ".join(app.get("command", []) + app.get("args", [])), "k8s: the app waits for /readyz")

    config_maps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    for v in volumes.values():
        if "configMap" in v and not v["configMap"]["name"] in config_maps:
            check(False, f"k8s: ConfigMap {v['configMap']['name']} is defined")
    for name, config_map in config_maps.items():
        for key, text in config_map.get("data", {}).items():
            if key.endswith(".toml"):
                agent_accepts_config(text, f"k8s: ConfigMap {name} {key}")
    if "--config" in agent.get("args", []):
        config_path = agent["args"][agent["args"].index("--config") + 1]
        check(os.path.dirname(config_path) in mounts, f"k8s: --config {config_path} is mounted")


def check_environment_file(known):
    path = os.path.join(SOURCE_DIR, "systemd/migration-agent.env.example")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assignments = [re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line) for line in lines]
    assignments = [m for m in assignments if m]
    check(len(assignments) >= 5, "env example: lists the variables")
    active = [line for line in lines if line and not line.startswith("#")]
    check(not active, "env example: every variable is commented out (nothing overrides the TOML file)")
    for m in assignments:
        name, value = m.group(1), m.group(2)
        check(name in known, f"env example: {name} is a variable the agent reads")
        if name in {"DATABASE_URL_FILE", "MIGRATION_AGENT_CONFIG"}:
            continue  # names a file that exists only on a configured host
        result = run_agent(["--migrations-dir", os.path.join(SOURCE_DIR, "migrations"), "heads"],
                           {"PATH": "/usr/bin:/bin", name: value})
        check(result.returncode == 0,
              f"env example: {name}={value} is accepted (exit {result.returncode}) {result.stderr.strip()}")


def main():
    known = known_environment_variables()
    check_compose(known)
    check_kubernetes(known)
    check_environment_file(known)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
