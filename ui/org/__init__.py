"""组织体系 (pages/organization.py): the org tree and its search (tree), the node panels (view), their charts
(charts) and texts (text)."""
