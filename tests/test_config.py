"""feeds.toml: strict, every problem at once, paths relative to the file, secrets from env."""

from __future__ import annotations

from pathlib import Path

import pytest
from certificates import write_server_certificate

from advisories.config import load_config
from advisories.errors import ConfigError

GOOD = """
[settings]
state = "data/state.sqlite3"

[smtp]
host = "smtp.example.gov.uk"
username_env = "T_USER"
password_env = "T_PASS"
from = "Alerts <alerts@example.gov.uk>"

[[feeds]]
name = "ncsc-reports"
kind = "rss"
url = "https://www.ncsc.gov.uk/api/1/services/v1/report-rss-feed.xml"
every = "30m"

[[councils]]
id = "barsetshire"
name = "Barsetshire County Council"
recipients = ["it@barsetshire.example.gov.uk"]
inventory = "inv/b.csv"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "feeds.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_paths_resolve_against_the_config_folder_and_secrets_come_from_env(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), {"T_USER": "u", "T_PASS": "s3cret-Pw"})
    assert config.state == tmp_path / "conf" / "data" / "state.sqlite3"
    assert config.councils[0].inventory == tmp_path / "conf" / "inv" / "b.csv"
    assert config.feeds[0].every_s == 1800
    assert config.smtp is not None and config.smtp.password == "s3cret-Pw"
    assert config.smtp.port == 587
    assert "s3cret-Pw" not in repr(config.smtp)  # a password must not leak into logs via repr


def test_every_problem_is_reported_at_once_with_its_key(tmp_path: Path) -> None:
    bad = GOOD.replace('every = "30m"', 'every = "half an hour"\nurll = "x"').replace(
        'recipients = ["it@barsetshire.example.gov.uk"]', 'recipients = ["not an address"]'
    )
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, bad), {})
    text = err.value.message
    assert "feeds[0].every" in text and "half an hour" in text
    assert "feeds[0].urll: unknown key" in text
    assert "councils[0].recipients" in text and "not an address" in text
    assert "smtp.username_env: environment variable T_USER is not set" in text
    assert str(tmp_path / "conf" / "feeds.toml") in text


def test_credentials_in_the_file_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace('host = "smtp.example.gov.uk"', 'host = "h"\npassword = "hunter2"')
    with pytest.raises(ConfigError, match=r"credentials never go in feeds\.toml"):
        load_config(write(tmp_path, text), {"T_USER": "u", "T_PASS": "p"})


def test_duplicate_council_ids_and_feed_names_are_refused(tmp_path: Path) -> None:
    text = GOOD + GOOD[GOOD.index("[[feeds]]"):]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), {"T_USER": "u", "T_PASS": "p"})
    assert "'ncsc-reports' is used twice" in err.value.message
    assert "'barsetshire' is used twice" in err.value.message


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2"):
        load_config(write(tmp_path, "[settings]\nstate = \n"), {})


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.toml", {})
    assert "ADVISORIES_CONFIG" in err.value.hint


def test_a_feed_needs_exactly_one_of_url_or_path(tmp_path: Path) -> None:
    text = GOOD.replace('every = "30m"', 'path = "local.xml"')
    with pytest.raises(ConfigError, match=r"feeds\[0\]: give exactly one of url or path"):
        load_config(write(tmp_path, text), {"T_USER": "u", "T_PASS": "p"})


def test_addresses_are_checked_by_the_rule_the_email_builder_applies(tmp_path: Path) -> None:
    text = GOOD.replace("it@barsetshire.example.gov.uk", "it_security@barset_shire.example.gov.uk")
    text = text.replace('from = "Alerts <alerts@example.gov.uk>"', 'from = "Council Cyber Alerts"')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), {"T_USER": "u", "T_PASS": "p"})
    assert "barset_shire" in err.value.message
    assert "smtp.from: 'Council Cyber Alerts' has no usable address" in err.value.message


def problems_in(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), {"T_USER": "u", "T_PASS": "p"})
    return err.value.message


def test_an_empty_feed_path_or_url_is_refused_at_load(tmp_path: Path) -> None:
    url = 'url = "https://www.ncsc.gov.uk/api/1/services/v1/report-rss-feed.xml"'
    text = problems_in(tmp_path, GOOD.replace(url, 'path = ""'))
    assert "feeds[0].path: must be the path of a local feed file" in text
    text = problems_in(tmp_path, GOOD.replace(url, 'url = ""'))
    assert "feeds[0].url: is empty: give the feed's http(s) URL" in text


def test_wrongly_typed_values_are_refused_not_ignored(tmp_path: Path) -> None:
    text = problems_in(tmp_path, GOOD + "\n[digest]\nnotes = 5\nthreshold = true\n")
    assert "digest.notes: 5: must be the path of a folder of notes" in text
    assert "digest.threshold: must be a whole number" in text
    text = problems_in(tmp_path, GOOD.replace('[smtp]\n', "[smtp]\nport = true\n"))
    assert "smtp.port: must be a port number" in text


@pytest.mark.parametrize("timeout", ["0", "-5", "true", '"30"', "nan"])
def test_smtp_timeout_must_be_a_positive_number_of_seconds(tmp_path: Path, timeout: str) -> None:
    text = problems_in(tmp_path, GOOD.replace("[smtp]\n", f"[smtp]\ntimeout = {timeout}\n"))
    assert "smtp.timeout:" in text and "must be a number of seconds above 0" in text


def test_credentials_over_an_unencrypted_connection_are_refused(tmp_path: Path) -> None:
    text = problems_in(tmp_path, GOOD.replace("[smtp]\n", '[smtp]\nsecurity = "none"\n'))
    assert "smtp.security: 'none' would send the SMTP username and password unencrypted" in text
    assert 'use security = "starttls" or "tls"' in text
    # Without credentials an unencrypted relay is allowed (a council's internal relay on port 25).
    plain = GOOD.replace("[smtp]\n", '[smtp]\nsecurity = "none"\n').replace(
        'username_env = "T_USER"\npassword_env = "T_PASS"\n', "")
    config = load_config(write(tmp_path, plain), {})
    assert config.smtp is not None and config.smtp.port == 25


def test_reserved_council_id_and_feed_name_are_refused(tmp_path: Path) -> None:
    text = problems_in(tmp_path, GOOD.replace('id = "barsetshire"', 'id = "digest"')
                       .replace('name = "ncsc-reports"', 'name = "rules"'))
    assert "councils[0].id: 'digest' is reserved (the weekly bulletin's" in text
    assert "feeds[0].name: 'rules' is reserved (curated rules" in text


def test_smtp_ca_file_resolves_against_the_config_folder_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "conf" / "certs").mkdir(parents=True)
    cert, _ = write_server_certificate(tmp_path / "conf" / "certs")
    env = {"T_USER": "u", "T_PASS": "p"}
    config = load_config(write(tmp_path, GOOD.replace("[smtp]\n", '[smtp]\nca_file = "certs/cert.pem"\n')), env)
    assert config.smtp is not None and config.smtp.ca_file == cert
    default = load_config(write(tmp_path, GOOD), env).smtp
    assert default is not None and default.ca_file is None  # the system trust store

    text = problems_in(tmp_path, GOOD.replace("[smtp]\n", '[smtp]\nca_file = "certs/missing.pem"\n'))
    assert f"smtp.ca_file: {tmp_path / 'conf' / 'certs' / 'missing.pem'}: no such file" in text


def test_smtp_ca_file_must_hold_a_certificate_and_needs_tls(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "notes.txt").write_text("not a certificate\n")
    text = problems_in(tmp_path, GOOD.replace("[smtp]\n", '[smtp]\nca_file = "notes.txt"\n'))
    assert "notes.txt: holds no PEM certificate" in text
    text = problems_in(tmp_path, GOOD.replace("[smtp]\n", "[smtp]\nca_file = 5\n"))
    assert "smtp.ca_file: must be the path of a PEM certificate file" in text
    plain = GOOD.replace("[smtp]\n", '[smtp]\nsecurity = "none"\nca_file = "notes.txt"\n')
    assert 'smtp.ca_file: is only used with security = "starttls" or "tls"' in problems_in(tmp_path, plain)


def test_smtp_takes_the_sender_from_settings_when_it_names_none(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[settings]\nfrom = "Council Cyber Alerts <alerts@example.gov.uk>"\n'
                    '[smtp]\nhost = "relay.example.gov.uk"\n')
    config = load_config(path, environ={})
    assert config.sender == "Council Cyber Alerts <alerts@example.gov.uk>"


def test_a_password_in_feeds_toml_is_named_once(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[smtp]\nhost = "relay.example.gov.uk"\nfrom = "a@example.gov.uk"\npassword = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert err.value.message.count("smtp.password") == 1 and "password_env" in err.value.message
