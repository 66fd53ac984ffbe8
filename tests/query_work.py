"""How much work the database did for some statements, counted by the database itself:
SQLite's virtual-machine steps (a progress handler), PostgreSQL's rows through every plan
node (EXPLAIN ANALYZE). The search-shape tests compare plans with it, without a clock."""

import json

import sqlalchemy as sa


class DatabaseWork:
    """How much the database worked for the statements run inside `with`."""

    def __init__(self, session):
        self.session = session
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.amount = 0
        self.statements = []

    def _capture(self, _conn, _cursor, statement, parameters, _context, _many):
        self.statements.append((statement, parameters))

    def _step(self):
        self.amount += 1
        return 0

    def __enter__(self):
        if self.dialect == "sqlite":
            raw = self.connection.connection.driver_connection
            raw.set_progress_handler(self._step, 100)  # one unit: 100 VM instructions
        else:
            sa.event.listen(self.connection, "before_cursor_execute", self._capture)
        return self

    def __exit__(self, *exc):
        if self.dialect == "sqlite":
            self.connection.connection.driver_connection.set_progress_handler(None, 0)
            return
        sa.event.remove(self.connection, "before_cursor_execute", self._capture)
        cursor = self.connection.connection.driver_connection.cursor()
        for statement, parameters in self.statements:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            (plan,) = cursor.fetchone()
            if isinstance(plan, str):
                plan = json.loads(plan)
            self.amount += _rows(plan[0]["Plan"])


def _rows(node) -> int:
    """Rows that went through this node and its children, filtered-out rows included."""
    loops = node.get("Actual Loops", 1)
    own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    return own + sum(_rows(child) for child in node.get("Plans", []))


def measure_work(db, fn):
    db.session.rollback()
    with DatabaseWork(db.session) as work:
        result = fn()
    db.session.rollback()
    return work.amount, result
