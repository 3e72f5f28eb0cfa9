"""The query functions, one module per domain: (connection, filters, ...) -> DataFrame, all filtering and
aggregation in SQL with bound parameters. overview (key figures, rankings, warnings, places), org, volunteers
(+ request_flow, the request stages), grid, datasets (the data page) and quality (rows the pages leave out).
Pages never call these directly: data_access.cached wraps each one with its cache and the access guard."""
