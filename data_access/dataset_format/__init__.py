"""The dataset format: the contract between the importer (seed/importer), the data page and the templates a
district downloads. spec: every entity, its columns, kinds and checks; template_files: the CSV templates
(templates/, one file per entity) and the same as one .xlsx."""
