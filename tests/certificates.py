"""Self-signed certificates for the local test servers (HTTPS feeds, SMTP STARTTLS/TLS).

Embedded rather than generated, so the tests need neither the openssl command nor the
cryptography package, and never skip for want of them.
"""

from __future__ import annotations

from pathlib import Path


def write_server_certificate(folder: Path) -> tuple[Path, Path]:
    """The servers' certificate and key as (cert.pem, key.pem) in `folder` (ssl loads files only)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    cert.write_text(SERVER_CERT)
    key.write_text(SERVER_KEY)
    return cert, key


def write_other_certificate(folder: Path) -> Path:
    """A CA the servers' certificate is not signed by: trusting it must fail verification."""
    cert = folder / "other-ca.pem"
    cert.write_text(OTHER_CERT)
    return cert


# A self-signed certificate for 127.0.0.1 and localhost, valid until 2126, made with
#   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
#     -subj "/CN=advisories test server" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost"
SERVER_CERT = """\
-----BEGIN CERTIFICATE-----
MIIBtDCCAVugAwIBAgIUNtiDQi4RDemcvnheZS1fYa2Um2IwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWYWR2aXNvcmllcyB0ZXN0IHNlcnZlcjAgFw0yNjExMjIxODM3
MDlaGA8yMTI2MTAyOTE4MzcwOVowITEfMB0GA1UEAwwWYWR2aXNvcmllcyB0ZXN0
IHNlcnZlcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEaFhI33k2rGMss9wE7L
qe8Q8ajAhnta3y1Rl30Xdp2NJlNb2Pin4agxT92VANdjZjJ6/jw6Ti6KdteN7wkY
ZnijbzBtMB0GA1UdDgQWBBT/Zo/O1pOpJ30wErKT4uAE2x79qzAfBgNVHSMEGDAW
gBT/Zo/O1pOpJ30wErKT4uAE2x79qzAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQT
MBGHBH8AAAGCCWxvY2FsaG9zdDAKBggqhkjOPQQDAgNHADBEAiAjqqv75+/e9obx
OLz3H4hON1fpHHOfANEHAfG9P952ggIgRbE5SY/Zr7qiV/xWzYVcKDifArBvcii5
D121Oh5Zcbk=
-----END CERTIFICATE-----
"""
SERVER_KEY = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5H88T3F+9hzy9oNP
jFzj/YWZtL58qrztWKPI34SvYb+hRANCAARGhYSN95NqxjLLPcBOy6nvEPGowIZ7
Wt8tUZd9F3adjSZTW9j4p+GoMU/dlQDXY2Yyev48Ok4uinbXje8JGGZ4
-----END PRIVATE KEY-----
"""


# Another self-signed certificate, made the same way with -subj "/CN=advisories unrelated test CA".
OTHER_CERT = """\
-----BEGIN CERTIFICATE-----
MIIBwjCCAWegAwIBAgIULXFVCTV2WnVW+w+K7n6al+5dO/gwCgYIKoZIzj0EAwIw
JzElMCMGA1UEAwwcYWR2aXNvcmllcyB1bnJlbGF0ZWQgdGVzdCBDQTAgFw0yNjEx
MjIxOTE0MDlaGA8yMTI2MTAyOTE5MTQwOVowJzElMCMGA1UEAwwcYWR2aXNvcmll
cyB1bnJlbGF0ZWQgdGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB7A
VfchSBSCkwaCnc7MrOHZxIKe0/m5xjpz4s4QmNThqaeeTse5pdYFPjg1Jm6r0uAd
7q+U5DE2NQS3VOWj582jbzBtMB0GA1UdDgQWBBQI2TcKqbEn6hhZie91GNwpGXU1
oDAfBgNVHSMEGDAWgBQI2TcKqbEn6hhZie91GNwpGXU1oDAPBgNVHRMBAf8EBTAD
AQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAKBggqhkjOPQQDAgNJADBG
AiEAx1r6qTZL/n4sQJ+yqsVBZvQo/554yqpko/T3n9pIdxUCIQCSzxaZrP8F7aoM
XuDqh69t/Lsg8MudYQWGQy7SnH1CQQ==
-----END CERTIFICATE-----
"""
