"""The dataset format: the contract between the importer (seed/importer), the data page and the templates a
district downloads. spec: every entity, its columns, kinds and checks; templates: the CSV templates
(csv_templates/) and the same as one .xlsx."""
