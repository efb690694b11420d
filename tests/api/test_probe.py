import json
import pytest
from tests.factories import PASSWORD
from rest_framework.test import APIClient
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

def show(r):
    print(r.status_code, r.get("Content-Type"), r.content[:300])

def test_probe(cast):
    c = APIClient()
    for i in range(4):
        show(c.post("/api/v1/auth/token", {"username": "alice", "password": "bad"}, format="json"))
    tok = Token.objects.create(user=cast.mary).key
    for h in ["Bearer " + tok, "Token " + tok, "bearer " + tok, "Bearer", "Bearer a b", "Bearer nope"]:
        c2 = APIClient(); c2.credentials(HTTP_AUTHORIZATION=h)
        show(c2.get("/api/v1/users/me/"))
    c2 = APIClient(); c2.credentials(HTTP_AUTHORIZATION="Bearer " + tok)
    show(c2.get("/api/v1/teams/?page=99999999999999999999"))
    show(c2.get("/api/v1/teams/?page=abc"))
    show(c2.get("/api/v1/teams/?page_size=abc"))
    show(c2.get("/api/v1/teams/abc/"))
    show(c2.get("/api/v1/teams/99999999999999999999999/"))
    show(c2.delete("/api/v1/teams/99999999999999999999999/"))
    show(c2.post("/api/v1/teams/", {"organisation": cast.pathways.pk, "name": "x"}, format="json"))
    show(c2.post("/api/v1/teams/", {"organisation": 99999999999999999999999, "name": "x"}, format="json"))
    show(c2.post("/api/v1/teams/", {"organisation": "abc", "name": "x"}, format="json"))
    show(c2.post("/api/v1/teams/", {"organisation": 1.5, "name": "x"}, format="json"))
    show(c2.post("/api/v1/teams/", {"organisation": cast.hub.pk, "name": "START-UP"}, format="json"))
    show(c2.post("/api/v1/teams/", [1,2], format="json"))
    show(c2.post("/api/v1/teams/", "null", content_type="application/json"))
    show(c2.post("/api/v1/teams/", {"organisation": cast.hub.pk, "name": "a\x00b"}, format="json"))
    show(c2.post("/api/v1/teams/", json.dumps({"organisation": cast.hub.pk, "name": "a\ud800b"}), content_type="application/json")); show(c2.post("/api/v1/auth/token", json.dumps({"username": "a\ud800b", "password": "x"}), content_type="application/json"))
    show(c2.patch(f"/api/v1/teams/{cast.startup_team.pk}/", {"name": ["x"]}, format="json"))
    show(c2.get("/api/v1/teams/?organisation=abc"))
    show(c2.get(f"/api/v1/teams/?organisation={cast.pathways.pk}"))
    show(c2.get("/api/v1/teams/?organisation=99999999999999999999999"))
    show(c2.get("/api/v1/teams/?ordering=nonsense"))
    show(c2.get("/api/v1/users/?home_organisation=99999999999999999999999"))
    show(c2.patch(f"/api/v1/organisations/{cast.hub.pk}/", {"time_zone": "Mars/Base"}, format="json"))
    r = c2.get("/api/v1/docs/"); print(r.content.decode())
    r = c2.get("/api/v1/docs/?script="); show(r)
