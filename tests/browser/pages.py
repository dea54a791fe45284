"""What the browser tests check on every page, and signing in."""

from __future__ import annotations

from playwright.sync_api import Page

# Every visible form control without a visible label of its own: <label for=id> (or a wrapping
# <label>), aria-label or aria-labelledby.
UNLABELLED_CONTROLS = """() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    // Anywhere on the page, except pushed off to the left (the robots' honeypot field).
    return style.visibility !== "hidden" && style.display !== "none"
      && box.width > 0 && box.height > 0 && box.right + window.scrollX > 0;
  };
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
  );
  return Array.from(controls).filter(visible).filter((el) => {
    if (el.getAttribute("aria-label")?.trim()) return false;
    if (el.getAttribute("aria-labelledby")) return false;
    const labels = Array.from(el.labels || []);
    return !labels.some((label) => visible(label) && label.textContent.trim());
  }).map((el) => el.outerHTML.slice(0, 120));
}"""


# Ids used more than once: a <label for> then names only the first, and two controls with one
# name post twice (the last, often empty, one wins).
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


def has_no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_phone_friendly(page: Page, what: str) -> None:
    assert has_no_horizontal_scroll(page), f"{what} scrolls sideways"
    assert page.evaluate(DUPLICATE_IDS) == [], f"{what} repeats ids"
    assert page.evaluate(UNLABELLED_CONTROLS) == [], f"{what} has controls without a label"


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form", has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
