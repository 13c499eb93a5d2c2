"""Annual report stage: tables, figures and narrative (04_annual_report), HTML and PDF export."""
