"""Password rules of the security baseline (等保): 3 of 4 character classes, not the username."""

from __future__ import annotations

import string

from django.contrib.auth.password_validation import MinimumLengthValidator as _MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(_MinimumLengthValidator):
    """Django's length rule with its message in Chinese: Django 5.2 reworded the message and its
    Chinese catalogue has no translation of the new wording, so the English one showed."""

    def get_error_message(self) -> str:
        return _("密码长度太短。密码必须包含至少 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("至少 %(n)d 个字符。") % {"n": self.min_length}


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes}


class NotUsernameValidator:
    """The password must not be, or contain, the username (case-insensitive)."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if username and username in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("不能包含用户名。")
