"""`vidc review` in a real browser: a 4-row matrix (three build, one fails at its voice, then one
row is edited so its video is stale), the site generated from the manifests, and Debian's headless
Chromium driven through Selenium and the system chromedriver: every card renders with its
thumbnail, filters by status and by matrix column work, the keyboard moves between cards and
videos, the player loads the MP4, and a screenshot is not blank. No browser is downloaded: without
/usr/bin/chromium the test skips (scripts/install-system.sh installs it)."""

import io
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not CHROMIUM.exists():
    pytest.skip(
        "headless Chromium is not installed (/usr/bin/chromium): apt-get install chromium chromium-driver, "
        "or run scripts/install-system.sh",
        allow_module_level=True,
    )
if not DRIVER.exists():
    pytest.skip(
        "chromedriver is not installed (/usr/bin/chromedriver): apt-get install chromium-driver",
        allow_module_level=True,
    )
os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never fetches a driver or browser
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install 'vidc[test]')")
Image = pytest.importorskip("PIL.Image", reason="Pillow checks the screenshot")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SPEC = """vidc: 1
name: "clip-{{ product | slug }}"
matrix:
  - {product: Aurora Lamp, colour: amber}
  - {product: Pulse Buds, colour: teal}
  - {product: Brew One, colour: amber}
  - {product: Long Talk, colour: teal}
script:
  scenes:
    - voiceover_text: "{% if product == 'Long Talk' %}LONG{% else %}Meet {{ product }}, in {{ colour }}.{% endif %}"
      visual_prompt: "hero shot of the {{ product }}, {{ colour }} backdrop"
      duration_seconds: 8
music: {tail_seconds: [2, 4]}
captions: {mode: sidecar}
export: {preset: draft}
"""
LONG = " ".join(["this sentence is far too long for one short scene"] * 6)  # the voice fails: longer than 12 s


@pytest.fixture(scope="module")
def site(tmp_path_factory, vidc_session_cmd):
    project = tmp_path_factory.mktemp("review")
    spec = project / "project.yaml"
    spec.write_text(SPEC.replace("LONG", LONG))
    built = subprocess.run([*vidc_session_cmd, "build", str(project)], capture_output=True, text=True, timeout=400)
    assert built.returncode == 1 and "clip-long-talk/voice/scene-01" in built.stderr, built.stderr[-2000:]
    spec.write_text(spec.read_text().replace("{product: Brew One, colour: amber}", "{product: Brew One, colour: gold}"))
    out = project / "site"
    proc = subprocess.run(
        [*vidc_session_cmd, "review", str(project), "-o", str(out)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return project, out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="vidc-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _visible(driver) -> list[str]:
    return [
        c.get_attribute("data-name") for c in driver.find_elements(By.CSS_SELECTOR, "#grid .card") if c.is_displayed()
    ]


def test_every_card_renders_with_its_status_and_thumbnail(site, browser):
    project, out = site
    browser.get((out / "index.html").as_uri())
    cards = browser.find_elements(By.CSS_SELECTOR, "#grid .card")
    status = {c.get_attribute("data-name"): c.get_attribute("data-status") for c in cards}
    assert status == {
        "clip-aurora-lamp": "built",
        "clip-pulse-buds": "built",
        "clip-brew-one": "stale",
        "clip-long-talk": "failed",
    }
    for card in cards:
        name = card.get_attribute("data-name")
        imgs = card.find_elements(By.CSS_SELECTOR, "img.thumb")
        if name == "clip-long-talk":
            assert not imgs and "build" in card.find_element(By.CSS_SELECTOR, ".badge").text
            continue
        assert len(imgs) == 1
        loaded = browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", imgs[0])
        assert loaded == 480, name  # the thumbnail file exists and decodes
        manifest = json.loads((project / "build" / f"{name}.json").read_text())
        assert f"{manifest['duration_ms'] / 1000:.1f}s" in card.find_element(By.CSS_SELECTOR, ".duration").text
        assert "LUFS" in card.find_element(By.CSS_SELECTOR, ".lufs").text
        assert "dBTP" in card.find_element(By.CSS_SELECTOR, ".tp").text


def test_filters_by_status_and_matrix_column(site, browser):
    _, out = site
    browser.get((out / "index.html").as_uri())
    assert len(_visible(browser)) == 4
    browser.find_element(By.CSS_SELECTOR, "#status-filter button[data-status=stale]").click()
    assert _visible(browser) == ["clip-brew-one"]
    browser.find_element(By.CSS_SELECTOR, "#status-filter button[data-status=built]").click()
    assert sorted(_visible(browser)) == ["clip-aurora-lamp", "clip-pulse-buds"]
    Select(browser.find_element(By.CSS_SELECTOR, "select[data-column=colour]")).select_by_value("teal")
    assert _visible(browser) == ["clip-pulse-buds"]
    browser.find_element(By.CSS_SELECTOR, "#status-filter button[data-status=all]").click()
    assert sorted(_visible(browser)) == ["clip-long-talk", "clip-pulse-buds"]
    assert "2 of 4 shown" in browser.find_element(By.ID, "shown").text
    browser.get((out / "index.html").as_uri() + "#status=failed")  # the filter lives in the URL
    assert _visible(browser) == ["clip-long-talk"]


def test_keyboard_moves_between_cards_and_videos(site, browser):
    _, out = site
    browser.get((out / "index.html").as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)  # focus the first card
    first = browser.switch_to.active_element.get_attribute("data-name")
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    second = browser.switch_to.active_element.get_attribute("data-name")
    assert (first, second) == ("clip-aurora-lamp", "clip-pulse-buds")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("video-clip-pulse-buds.html"))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("video-clip-brew-one.html"))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("index.html"))


def test_video_page_player_loads_and_screenshot_is_not_blank(site, browser):
    project, out = site
    manifest = json.loads((project / "build" / "clip-aurora-lamp.json").read_text())
    browser.get((out / "video-clip-aurora-lamp.html").as_uri())
    ready = WebDriverWait(browser, 20).until(
        lambda d: d.execute_script(
            "var p = document.getElementById('player'); return p.readyState >= 1 && !p.error ? p.duration : 0"
        )
    )
    assert abs(ready - manifest["duration_ms"] / 1000) < 0.1  # the MP4 decoded in the browser: its real length
    frames = browser.find_elements(By.CSS_SELECTOR, ".contact .scene img")
    assert len(frames) == len(manifest["scenes"])
    assert all(browser.execute_script("return arguments[0].naturalWidth", f) == 320 for f in frames)
    lanes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".timeline .lane .label")]
    assert {"scenes", "voice", "music (ducked)", "final mix", "captions"} <= set(lanes)
    assert browser.find_elements(By.CSS_SELECTOR, ".timeline .cue")  # the caption track
    assert browser.find_elements(By.CSS_SELECTOR, ".gantt.estimated .bar")
    assert browser.find_elements(By.CSS_SELECTOR, ".gantt.measured .bar")
    assert "CC0-1.0" in browser.find_element(By.CSS_SELECTOR, ".provenance").text
    browser.execute_script("var p = document.getElementById('player'); p.currentTime = 1.5;")
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return document.getElementById('caption-line').textContent")
    )  # the caption at 1.5 s shows
    png = browser.get_screenshot_as_png()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    assert img.size[0] >= 1000 and colours is not None and len(colours) > 200  # not a blank page
    extrema = img.convert("L").getextrema()
    assert extrema[1] - extrema[0] > 100
