"""Languages of the interface (Flask-Babel): Portuguese unless the user chose English.

The catalogue's msgids are the Portuguese texts themselves; isocrm/translations holds the
English one (see README.md, "Translations"). The browser's Accept-Language is not asked:
the desk works in Portuguese and only a user's own choice (Preferências) changes that.
Dates and numbers keep their Brazilian form (isocrm.templating) whatever the language.
"""

from flask_login import current_user

DEFAULT_LOCALE = "pt_BR"
# The values of users.language, with each language named in itself (as a picker shows them).
LANGUAGES = {"pt_BR": "Português (Brasil)", "en": "English"}
# <html lang> of each.
HTML_LANG = {"pt_BR": "pt-BR", "en": "en"}


def user_language() -> str:
    """The logged-in user's choice, else pt_BR."""
    if current_user and current_user.is_authenticated:
        language = getattr(current_user, "language", None)
        if language in LANGUAGES:
            return language
    return DEFAULT_LOCALE


def select_locale() -> str:
    return user_language()


def html_lang() -> str:
    return HTML_LANG[user_language()]
