import json
from django.urls import reverse
from tests.browser.helpers import log_in, AXE_TAGS, _axe

PAGES = [("core:home", []), ("core:organisation-list", []), ("core:team-list", []), ("core:team-create", []),
         ("core:person-list", []), ("accounts:two-factor-setup", []), ("accounts:password-change", [])]

def test_explore(page, cast):
    log_in(page, "ada")
    out = {}
    urls = [reverse(n, args=a) for n, a in PAGES] + [
        reverse("core:organisation-detail", args=[cast.hub.pk]), reverse("core:person-detail", args=[cast.alice.pk]),
        reverse("core:organisation-security", args=[cast.hub.pk]), reverse("core:team-detail", args=[cast.startup_team.pk]),
        reverse("core:audit-history", args=["core", "team", cast.startup_team.pk])]
    for url in urls:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(url)
        r = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations", "incomplete"]}).response
        inc = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in r["incomplete"]]
        page.set_viewport_size({"width": 320, "height": 640})
        sw = page.evaluate("document.documentElement.scrollWidth")
        out[url] = {"violations": [v["id"] for v in r["violations"]], "incomplete": inc, "scrollWidth@320": sw}
    # form error state
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(reverse("core:team-create"))
    page.get_by_role("button", name="Save").click()
    r = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}}).response
    out["team-create-error"] = [v["id"] for v in r["violations"]]
    page.screenshot(path="var/screenshots/explore-team-create-error.png", full_page=True)
    page.goto(reverse("core:person-detail", args=[cast.oscar.pk]))
    page.screenshot(path="var/screenshots/explore-person-oscar.png", full_page=True)
    page.goto(reverse("core:person-detail", args=[cast.alice.pk]))
    page.set_viewport_size({"width": 320, "height": 640})
    page.screenshot(path="var/screenshots/explore-person-320.png", full_page=True)
    print(json.dumps(out, indent=1))
