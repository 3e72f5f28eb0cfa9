"""A live shared database: change capture (capture: triggers writing change_journal), the refresher
(refresh: applies the journal to the summary tables, reports freshness and drift) and its tables (models)."""
