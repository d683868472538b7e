"""The compose deployment is valid and documented."""

import shutil
import subprocess
from pathlib import Path

import yaml
from django.conf import settings

from tests.conftest import require_service

BASE = Path(settings.BASE_DIR)


def test_docker_compose_config_is_valid(tmp_path):
    require_service(shutil.which("docker-compose") is not None, "docker-compose")
    # As an operator would: the compose file with a .env made from .env.example beside it.
    shutil.copy(BASE / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(BASE / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_whole_stack_with_health_checks_and_volumes():
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "worker", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
    assert set(compose["volumes"]) == {"pgdata", "redisdata"}
    assert "gunicorn" in services["web"]["command"] and "beat" in services["beat"]["command"]


def test_env_example_documents_every_variable_compose_and_settings_read():
    documented = {
        line.split("=", 1)[0]
        for line in (BASE / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    }
    import re

    compose_vars = set(re.findall(r"\$\{(\w+)", (BASE / "docker-compose.yml").read_text(encoding="utf-8")))
    settings_text = "".join(p.read_text(encoding="utf-8") for p in (BASE / "config/settings").glob("*.py"))
    settings_vars = set(re.findall(r"""environ(?:\.get)?\(\s*["'](\w+)["']""", settings_text))
    settings_vars |= set(re.findall(r"""env_(?:bool|list)\(\s*["'](\w+)["']""", settings_text))
    # Set by compose itself or only meaningful for local development:
    internal = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    missing = (compose_vars | settings_vars) - internal - documented
    assert not missing, f"not documented in .env.example: {sorted(missing)}"
