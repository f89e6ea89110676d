from django import forms

from .models import User


class UserSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "digest_enabled", "email"]
