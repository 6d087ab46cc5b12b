"""The staff call list's filters (a GET form)."""

from django import forms
from django.utils.text import capfirst

from calls.models import CallOutcome
from profiles.models import PhoneProfile

_SIMULATED = {"simulated": True, "real": False}


class CallFilterForm(forms.Form):
    profile = forms.ModelChoiceField(
        queryset=PhoneProfile.objects.order_by("name", "number"),
        required=False,
        empty_label="All profiles",
    )
    outcome = forms.ChoiceField(
        choices=[("", "All outcomes")]
        + [(value, capfirst(label)) for value, label in CallOutcome.choices],
        required=False,
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    said = forms.CharField(
        label="Said",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search in what was said"}),
    )
    simulated = forms.ChoiceField(
        label="Calls",
        choices=[
            ("", "Real and simulated"),
            ("real", "Real only"),
            ("simulated", "Simulated only"),
        ],
        required=False,
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "Must be on or after the start date.")
        return cleaned

    def selector_filters(self) -> dict:
        """The valid filters as keyword arguments of calls_for_staff (invalid ones are left out,
        and shown as errors on the form)."""
        self.is_valid()
        data = self.cleaned_data
        profile = data.get("profile")
        return {
            "profile_id": profile.pk if profile else None,
            "outcome": data.get("outcome", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "said": data.get("said", ""),
            "simulated": _SIMULATED.get(data.get("simulated", "")),
        }
