"""The labeller's last resort: a theme whose every better name is taken is still named by a phrase.

Both themes are clinc150's (test split), as the engine fitted them on 2026-12-03 with the Ward
neighbour means: with "Mixed/Assorted/Varied questions" taken by siblings, the first was named
"Timezone" (one word) and the second "Can we please" (a saying), the two labels of 462 that failed the
phrase check in bench/themes_quality.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from feedback.themes import label_words
from feedback.themes.label import label_themes

TIME_IN_CITIES = ["tell me what the time is in dallas", "what time is it in dallas",
                  "what is the current time in dallas", "can you tell me what time it is in dallas",
                  "tell time for another city: dallas", "what is texas's timezone", "what is the timezone for houston",
                  "let me know some things i can do in dallas"]
YES_PLEASE = ["yes please", "yes, please", "can we please", "please let's do it", "sure",
              "that's all i need, i'm going now"]
MIXED_TAKEN = [*label_words.MIXED["questions"], *label_words.MIXED["comments"]]  # "Mixed questions", "Varied queries"...


@pytest.mark.parametrize(
    ("docs", "taken", "expected"),
    [
        (TIME_IN_CITIES, MIXED_TAKEN, "Timezone questions"),  # was "Timezone"
        # "timezone" in 2 of 8, every other word (not a city) once: the topic, while a mixed name is free too
        (TIME_IN_CITIES, [], "Timezone questions"),
        (YES_PLEASE, [], "Yes or no answers"),  # "yes please" and "sure" answer yes
        (YES_PLEASE, [*MIXED_TAKEN, "Yes or no answers", "True or false answers"], "Unclear comments"),  # was "Can we please"
    ],
)
def test_a_theme_whose_better_names_are_taken(parser: Any, docs: list[str], taken: list[str], expected: str) -> None:
    assert label_themes({1: docs}, [1], taken=taken)[1].label == expected


@pytest.mark.parametrize(("text", "nothing"), [
    ("yes please", True), ("Yes, please.", True), ("sure", True), ("yes thanks", True), ("no thank you", True),
    ("Yes please send a new card", False), ("Sure the app is fine but checkout fails", False),
])
def test_yes_please_and_sure_say_nothing_about_a_topic(text: str, nothing: bool) -> None:
    assert label_words.says_nothing(text) is nothing


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        # the sample archive's theme "Age problems": "ages" written for a long time, by two of nine
        (["Took 45 minutes to get through to anyone and then I was cut off.",
          "Took 25 minutes to get through to anyone and then I was cut off.", "Once I got through it was fine",
          "Once I got through it was fine", "It took ages to get through to support.", "Waited ages",
          "Still waiting for someone to explain why.", "Still waiting for someone to explain why.",
          "Long wait to speak to someone, 55 mins on a Saturday morning."], "Long waits"),
        (["What is your age?", "How old are you, what's your age", "Tell me your age", "What age are you",
          "Your age please"], "Age questions"),  # the age of someone is a topic
    ],
    ids=["ages", "age"],
)
def test_waiting_for_ages_is_no_topic_of_age(parser: Any, docs: list[str], expected: str) -> None:
    assert label_themes({1: docs}, [1])[1].label == expected


@pytest.mark.parametrize(("text", "long_wait"), [
    ("Long wait to speak to someone, 55 mins on a Saturday morning.", True), ("A long wait again", True),
    ("Very long wait on the phone", True), ("The long waiting list for the new model", False),
    ("It was a long walk to the store", False),
])
def test_a_long_wait_said_so_is_a_long_wait(text: str, long_wait: bool) -> None:
    from feedback.themes.speech_acts import SPEECH_ACTS, act

    found = act(text)
    assert (found is not None and SPEECH_ACTS[found][0][0] == "Long waits") is long_wait
