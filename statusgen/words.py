"""N_ marks an English message for the catalogues where it is defined (pybabel extract finds
it); statusgen.language translates it where it is shown, in the language of that output."""

# The languages statusgen has a catalogue for (statusgen/locales/<tag>.po).
SHIPPED = ("en", "en-GB", "en-US", "cy", "fr", "de", "es", "nl", "pt", "ar")


def N_(message: str) -> str:
    return message
