"""Take the README's screenshots from a running demo (`make run`), with Playwright and Chromium.

    .venv/bin/python docs/screenshots.py --password PASSWORD [--server http://127.0.0.1:8000]

It logs in as the demo staff account, makes a call in the simulator, and saves
docs/screenshots/simulator.png and docs/screenshots/transcript.png.
"""

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
QUESTIONS = [
    "What time do you open on Saturday?",
    "Do you have free parking?",
    "Thanks, goodbye!",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", required=True)
    options = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860}, base_url=options.server)
        page.goto("/login/")
        page.get_by_label("Username").fill(options.username)
        page.get_by_label("Password").fill(options.password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/calls/")

        page.goto("/simulator/")
        page.get_by_role("button", name="Call").click()
        page.locator(".bubble.assistant").first.wait_for()
        for number, question in enumerate(QUESTIONS[:-1], start=1):
            page.get_by_label("What you say").fill(question)
            page.keyboard.press("Enter")
            page.locator(".bubble.assistant:not(.streaming)").nth(number).wait_for()
        page.screenshot(path=OUT / "simulator.png")
        page.get_by_label("What you say").fill(QUESTIONS[-1])
        page.keyboard.press("Enter")
        page.get_by_text("The call has ended.").wait_for(timeout=20_000)
        page.get_by_role("link", name="Open this call's transcript").click()
        page.locator("#turns").wait_for()
        page.wait_for_timeout(6000)  # the post-call summary
        page.reload()
        page.screenshot(path=OUT / "transcript.png", full_page=True)
        browser.close()
    print(f"Saved {OUT / 'simulator.png'} and {OUT / 'transcript.png'}")


if __name__ == "__main__":
    main()
