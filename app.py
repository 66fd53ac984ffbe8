"""Run the isoCRM SAC demo: `python app.py` creates and fills instance/isocrm.sqlite3 the first
time, then serves on http://127.0.0.1:5000. Production runs `gunicorn "isocrm:create_app()"`."""

import argparse
import os

from werkzeug.serving import WSGIRequestHandler

from isocrm import create_app
from isocrm.cli import has_demo_data, migrate_database
from isocrm.extensions import db

DEMO_LOGINS = (("atendente", "atendente123"), ("supervisor", "supervisor123"))


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without the "Server: Werkzeug/x Python/y" banner (http.server's
    send_response, minus that one header)."""

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


def main() -> None:
    parser = argparse.ArgumentParser(description="isoCRM SAC demo server")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--debug", action="store_true", help="reload on code changes")
    args = parser.parse_args()

    app = create_app({"ALLOW_DEV_SECRET_KEY": True})
    with app.app_context():
        migrate_database()
        if not has_demo_data():
            from isocrm.demo import load_demo

            print("Carregando dados de demonstração (uma vez só)…", flush=True)
            load_demo(db.session)
    print(f"\nisoCRM SAC em http://{args.host}:{args.port}/")
    print("Logins de demonstração:")
    for username, password in DEMO_LOGINS:
        print(f"  {username} / {password}")
    print(flush=True)
    app.run(host=args.host, port=args.port, debug=args.debug, request_handler=QuietRequestHandler)


if __name__ == "__main__":
    main()
