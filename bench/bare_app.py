"""The bare Flask ceiling: one constant endpoint, served by the same gunicorn settings as the
app in bench/run.py, so each endpoint's requests/s can be read as a share of what Flask and
gunicorn alone allow on this machine at this moment."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant():
    return "ok"
