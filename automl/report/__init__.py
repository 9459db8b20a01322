"""``automl report``: the self-contained HTML report, its figures, tables and gene importance."""
