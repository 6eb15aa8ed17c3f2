"""The instance config: TOML, environment overrides, secret files, errors naming the key."""

from pathlib import Path

import pytest

from wfgen_scim.config import ConfigError, UpstreamAuthMode, load_config

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """
[scim]
token = "a-long-enough-secret-token"
[workflowgen]
url = "http://127.0.0.1:8081/wfgen/graphql"
username = "wfgen_admin"
password = "pw"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "instance.toml"
    path.write_text(text)
    return path


def test_minimal_config_has_safe_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), environ={})
    assert config.scim.base_path == "/scim/v2"
    assert config.workflowgen.auth is UpstreamAuthMode.basic
    assert config.workflowgen.directory == "SCIM"
    assert config.workflowgen.verify_tls is True


def test_environment_overrides_and_secret_files(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("token-from-a-mounted-secret\n")
    config = load_config(
        write(tmp_path, MINIMAL),
        environ={
            "WFGEN_SCIM__SCIM__TOKEN_FILE": str(secret),
            "WFGEN_SCIM__WORKFLOWGEN__DIRECTORY": "ENTRA",
            "UNRELATED": "x",
        },
    )
    assert config.scim.token is not None
    assert config.scim.token.get_secret_value() == "token-from-a-mounted-secret"
    assert config.workflowgen.directory == "ENTRA"


def test_secrets_never_show_in_repr(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), environ={})
    text = repr(config) + str(config)
    assert "a-long-enough-secret-token" not in text
    assert "pw'" not in text


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        (MINIMAL.replace('url = "http://127.0.0.1:8081/wfgen/graphql"', ""), {}, "workflowgen.url"),
        (MINIMAL.replace("a-long-enough-secret-token", "short"), {}, "scim.token"),
        (MINIMAL + 'bogus = "x"\n', {}, "workflowgen.bogus"),
        (MINIMAL.replace('password = "pw"', ""), {}, "workflowgen.password"),
        (MINIMAL.replace("[scim]", '[scim]\nbase_path = "scim"'), {}, "scim.base_path"),
        (MINIMAL, {"WFGEN_SCIM__SCIM__PORT": "eighty"}, "scim.port"),
        (MINIMAL, {"WFGEN_SCIM__NOPE": "1"}, "WFGEN_SCIM__NOPE"),
        (MINIMAL, {"WFGEN_SCIM__SCIM__TOKEN_FILE": "/does/not/exist"}, "scim.token_file"),
        (MINIMAL + "[[", {}, "not valid TOML"),
        (
            MINIMAL.replace('username = "wfgen_admin"', 'auth = "client_credentials"'),
            {},
            "workflowgen.token_endpoint",
        ),
    ],
)
def test_bad_config_fails_naming_the_key(
    tmp_path: Path, text: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ=environ)
    assert message in str(caught.value)
    assert "a-long-enough-secret-token" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_example_config_documents_every_setting(tmp_path: Path) -> None:
    from wfgen_scim.config import InstanceConfig

    text = (REPO / "config" / "example.toml").read_text()
    for section_name, field in InstanceConfig.model_fields.items():
        assert f"[{section_name}]" in text
        section = field.annotation
        for key in section.model_fields:  # type: ignore[union-attr]
            assert f"{key} =" in text or f"{key}_file =" in text, f"{section_name}.{key}"
    # And it loads, once its secret files exist.
    secrets = {"WFGEN_SCIM__SCIM__TOKEN": "x" * 32, "WFGEN_SCIM__WORKFLOWGEN__PASSWORD": "pw"}
    config = load_config(REPO / "config" / "example.toml", environ=secrets)
    assert config.workflowgen.directory == "SCIM"


@pytest.mark.parametrize(
    ("url", "allowed", "ok"),
    [
        ("http://127.0.0.1:8081/wfgen/graphql", False, True),
        ("http://localhost/wfgen/graphql", False, True),
        ("https://wfgen.example.com/wfgen/graphql", False, True),
        ("http://wfgen.example.com/wfgen/graphql", False, False),
        ("http://workflowgen:8080/wfgen/graphql", True, True),
    ],
)
def test_clear_text_credentials_to_another_host_are_refused(
    tmp_path: Path, url: str, allowed: bool, ok: bool
) -> None:
    text = MINIMAL.replace("http://127.0.0.1:8081/wfgen/graphql", url)
    if allowed:
        text += "allow_insecure_http = true\n"
    if ok:
        assert str(load_config(write(tmp_path, text), environ={}).workflowgen.url) == url
    else:
        with pytest.raises(ConfigError, match=r"workflowgen\.allow_insecure_http"):
            load_config(write(tmp_path, text), environ={})


def test_static_tokens_in_every_form_and_at_least_one_way_in(tmp_path: Path) -> None:
    from wfgen_scim.proxy.entra_auth.hashed import printable_hash

    hashed = printable_hash("some-token-0123456789")
    tokens = tmp_path / "tokens"
    tokens.write_text("first-token-0123456789\nsecond-token-0123456789\n")
    path = tmp_path / "c.toml"
    path.write_text(MINIMAL.replace('token = "a-long-enough-secret-token"', ""))
    config = load_config(
        path,
        environ={
            "WFGEN_SCIM__SCIM__TOKENS_FILE": str(tokens),
            "WFGEN_SCIM__SCIM__TOKEN_HASHES": hashed.upper().replace("SHA256:", "sha256:"),
        },
    )
    assert [t.get_secret_value() for t in config.scim.clear_tokens] == [
        "first-token-0123456789",
        "second-token-0123456789",
    ]
    assert config.scim.token_hashes == [hashed.removeprefix("sha256:")]
    with pytest.raises(ConfigError, match=r"scim\.token is required"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match="sha256"):
        load_config(path, environ={"WFGEN_SCIM__SCIM__TOKEN_HASHES": "abc"})
    with pytest.raises(ConfigError, match=r"oauth\.signing_key_paths"):
        load_config(path, environ={"WFGEN_SCIM__OAUTH__ENABLED": "true"})
    with pytest.raises(ConfigError, match="token_lifetime_minutes"):
        load_config(path, environ={"WFGEN_SCIM__OAUTH__TOKEN_LIFETIME_MINUTES": "30"})
