"""Histórico for the customer (Decreto 11.034/2022, art. 12 §2): every demand of the
customer with its answers, sent by e-mail or printed on request, and each delivery kept."""

from flask import Blueprint

bp = Blueprint("customer_history", __name__)

from isocrm.customer_history import views  # noqa: E402,F401
