from django.urls import reverse
from tests.browser.helpers import log_in, assert_accessible

def test_explore(page, cast):
    log_in(page, "ada")
    page.goto(reverse("core:team-create"))
    page.get_by_role("button", name="Save").click()
    print(page.locator("main").inner_html())
    page.goto(reverse("core:person-detail", args=[cast.alice.pk]))
    page.set_viewport_size({"width": 320, "height": 640})
    print(page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 321).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 15)"""))
    page.goto(reverse("core:team-create"))
    page.get_by_role("button", name="Save").click()
    assert_accessible(page)
