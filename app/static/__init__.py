"""The playground page, its script and style sheet (served by `app/routes/playground.py`)."""
