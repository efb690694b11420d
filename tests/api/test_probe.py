import json
import pytest
from tests.factories import PASSWORD
from rest_framework.test import APIClient
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

def show(r):
    print(r.status_code, r.get("Content-Type"), r.content[:300])

def test_probe(cast):
    tok = Token.objects.create(user=cast.mary).key
    for h in ["Bearer " + tok, "Token " + tok]:
        c2 = APIClient(); c2.credentials(HTTP_AUTHORIZATION=h)
        show(c2.get("/api/v1/users/me/"))
    c2 = APIClient()
    show(c2.get("/api/v1/users/me/", HTTP_AUTHORIZATION="Token " + tok))
    c2 = APIClient(); c2.force_authenticate(cast.mary)
    show(c2.get("/api/v1/users/me/"))
    c2 = APIClient(); c2.force_login(cast.mary)
    show(c2.get("/api/v1/users/me/"))
