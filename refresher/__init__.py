"""The summary refresher as a service: `python -m refresher` (see __main__)."""
