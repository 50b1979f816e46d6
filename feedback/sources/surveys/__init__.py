"""The survey channel: CSV, XLSX and JSON exports of survey tools."""

from feedback.sources.surveys.reader import read_surveys

__all__ = ["read_surveys"]
