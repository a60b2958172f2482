"""Seed the test identity provider: `python -m tests.identity.idp.seed '<json>'` with
{"client": {"id", "secret", "redirect_uri"}, "users": [{"email", "password", "verified"}]}."""

import json
import sys

import django


def main(spec: dict) -> None:
    django.setup()
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth.models import User

    client = spec.get("client")
    if client:
        row, _ = Client.objects.get_or_create(id=client["id"], defaults={"name": "Licensing Portal"})
        row.set_secret(client["secret"])
        row.redirect_uris = client["redirect_uri"]
        row.scopes = "openid\nprofile\nemail"
        row.default_scopes = "openid\nprofile\nemail"
        row.skip_consent = True
        row.save()
    for user in spec.get("users", []):
        account, _ = User.objects.get_or_create(username=user["email"][:150], defaults={"email": user["email"]})
        account.set_password(user["password"])
        account.save()
        EmailAddress.objects.update_or_create(
            user=account, email=user["email"], defaults={"verified": user.get("verified", True), "primary": True}
        )


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
