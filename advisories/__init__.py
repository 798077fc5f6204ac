"""Threat-advisory ingestion and alerting for UK local councils."""

__version__ = "0.1.0"
