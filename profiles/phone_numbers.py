"""Phone numbers in E.164 form (`+15550100000`), parsed with Google's `phonenumbers`."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"

_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "its country code does not exist",
    phonenumbers.ValidationResult.TOO_SHORT: "it is too short",
    phonenumbers.ValidationResult.TOO_LONG: "it is too long",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it is missing digits (area code?)",
    phonenumbers.ValidationResult.INVALID_LENGTH: "its length is wrong for its country",
}


def to_e164(raw: str) -> str:
    """Return `raw` in E.164 form, or raise ValidationError saying what is wrong with it.

    Numbers must be international (leading `+` and country code). A number only has to be
    *possible* (right length for its country), not assigned: Twilio's test and fictional
    ranges such as +1 555 010 xxxx must be accepted.
    """
    text = (raw or "").strip()
    example = "for example +15550100000"
    if not text.startswith("+"):
        raise ValidationError(
            f"“{text}” is not in international format: start with + and the country code, "
            f"{example}.",
            code="not_international",
        )
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"“{text}” is not a phone number: use + and digits only, {example}.",
            code="unparseable",
        ) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValidationError(
            f"“{text}” is not a valid phone number: {_REASONS.get(reason, 'it is malformed')}.",
            code="impossible",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class E164Field(models.CharField):
    """A CharField that stores a phone number in E.164 form, normalising what staff type."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 16:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # Staff may type spaces, dashes and brackets; the stored form is at most 16 characters.
        kwargs.setdefault("max_length", 32)
        return super().formfield(**kwargs)

    def pre_save(self, model_instance, add):
        # Normalise on every save, not only through forms, and keep the instance in step.
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return to_e164(value)
