"""The support bot's outside services: Systeme.io (the CRM) and Google Sheets (reporting)."""
