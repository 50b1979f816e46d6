"""The public reviews channel: review pages, sitemaps, feeds and app-store style exports."""

from feedback.sources.reviews.crawl import read_reviews

__all__ = ["read_reviews"]
