"""What is wrong with a workflow, in words staff understand. Pure: reads a `Flow`.

Contract: `flow_problems(flow)` lists one sentence per problem, naming the step; an empty
list means the engine can run it. Problems:
- no steps; two steps with one key; an unknown kind;
- a next step, "no" step, failure step or branch target that does not exist; a branch line
  not written "value => step"; a branch without lines or without its slot;
- an ask or collect_digits step without a slot; a say, ask or collect_digits step without
  text; a confirm step without a step to go back to on "no";
- a {slot} placeholder, or a branch's slot, that no earlier ask or collect_digits step fills
  (in step order). After a webhook step any slot is accepted, since the webhook's reply may
  fill it; a slot that no step fills and no earlier webhook could is an error;
- regex validation without a pattern, or with one that is not a valid regular expression; a
  collect_digits step validated other than by a pattern or the Luhn checksum; min digits
  above max digits, or a maximum of 0; fewer than 1 attempt;
- a webhook without a URL; a transfer without a number;
- say and branch steps that lead round in a circle without waiting for the caller.
"""

import re

from profiles.flows import SLOT_KINDS, STEP_KINDS, Flow, Step

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TARGETS = (("next_step", "next step"), ("no_step", '"no" step'), ("failure_step", "failure step"))
_NEEDS_TEXT = ("say", "ask", "collect_digits")


def branch_lines(step: Step) -> list[tuple[str, str] | None]:
    """Each "value => step" line of a branch as (value, step key); None for a malformed line."""
    parsed: list[tuple[str, str] | None] = []
    for line in step.branches.splitlines():
        if not line.strip():
            continue
        value, arrow, target = line.partition("=>")
        ok = arrow and value.strip() and target.strip()
        parsed.append((value.strip(), target.strip()) if ok else None)
    return parsed


def _texts(step: Step) -> str:
    return " ".join((step.text_en, step.text_es, step.reprompt_en, step.reprompt_es))


def _step_problems(step: Step, keys: set[str]) -> list[str]:
    name = f"Step '{step.key}'"
    problems: list[str] = []
    if step.kind not in STEP_KINDS:
        return [f"{name} has an unknown kind '{step.kind}'."]
    for field, label in _TARGETS:
        target = getattr(step, field)
        if target and target not in keys:
            problems.append(f"{name}: its {label} '{target}' does not exist.")
    if step.kind in SLOT_KINDS and not step.slot:
        problems.append(f"{name} needs a slot to keep the answer in.")
    if step.kind in _NEEDS_TEXT and not (step.text_en.strip() or step.text_es.strip()):
        problems.append(f"{name} has no text in English or Spanish.")
    if step.kind == "confirm" and not step.no_step:
        problems.append(f'{name} needs a step to go back to when the caller says "no".')
    if step.kind == "branch":
        problems += _branch_problems(step, keys)
    if step.kind in SLOT_KINDS:
        problems += _validation_problems(step)
    if step.kind == "webhook" and not step.url:
        problems.append(f"{name} needs the webhook's URL.")
    if step.kind == "transfer" and not step.number:
        problems.append(f"{name} needs the number to transfer to.")
    return problems


def _branch_problems(step: Step, keys: set[str]) -> list[str]:
    name = f"Step '{step.key}'"
    problems = [] if step.slot else [f"{name} needs the slot to test."]
    lines = branch_lines(step)
    if not lines:
        problems.append(f"{name} has no branches: write one 'value => step' per line.")
    for index, line in enumerate(lines, 1):
        if line is None:
            problems.append(f"{name}: branch line {index} should read 'value => step'.")
        elif line[1] not in keys:
            problems.append(
                f"{name}: branch '{line[0]}' goes to '{line[1]}', which does not exist."
            )
    return problems


def _validation_problems(step: Step) -> list[str]:
    name = f"Step '{step.key}'"
    problems: list[str] = []
    if step.validation == "regex":
        if not step.pattern:
            problems.append(f"{name} checks answers with a regular expression but has none.")
        else:
            try:
                re.compile(step.pattern)
            except re.error as exc:
                problems.append(f"{name}: the pattern is not a valid regular expression ({exc}).")
    if step.kind == "collect_digits":
        if step.validation not in ("", "free_text", "regex", "luhn"):
            problems.append(
                f"{name} collects digits: check them with a regular expression or the Luhn "
                "checksum, or not at all."
            )
        low, high = step.min_digits, step.max_digits
        if high is not None and high < 1:
            problems.append(f"{name}: max digits must be at least 1.")
        elif low is not None and high is not None and low > high:
            problems.append(f"{name}: min digits ({low}) is more than max digits ({high}).")
    if step.max_attempts < 1:
        problems.append(f"{name} must allow at least 1 attempt.")
    return problems


def _slot_problems(flow: Flow) -> list[str]:
    fillers: dict[str, str] = {}  # slot → the first step that fills it
    for step in flow.steps:
        if step.kind in SLOT_KINDS and step.slot:
            fillers.setdefault(step.slot, step.key)
    problems: list[str] = []
    filled: set[str] = set()
    webhook_before = False
    for step in flow.steps:
        used = dict.fromkeys(PLACEHOLDER.findall(_texts(step)))
        if step.kind == "branch" and step.slot:
            used.setdefault(step.slot)
        for slot in used:
            if slot in filled or webhook_before:
                continue
            if slot in fillers:
                problems.append(
                    f"Step '{step.key}' uses {{{slot}}} before step '{fillers[slot]}' asks for it."
                )
            else:
                problems.append(
                    f"Step '{step.key}' uses {{{slot}}}, but no step fills a slot named '{slot}'."
                )
        if step.kind in SLOT_KINDS and step.slot:
            filled.add(step.slot)
        webhook_before = webhook_before or step.kind == "webhook"
    return problems


def _circle(flow: Flow) -> list[str] | None:
    """Keys of say/branch steps that lead back to themselves without waiting, or None."""

    def exits(step: Step) -> list[str]:
        targets = [flow.following(step)]
        if step.kind == "branch":
            targets += [line[1] for line in branch_lines(step) if line]
        return [target for target in targets if target]

    for start in flow.steps:
        came_from: dict[str, str] = {}  # step → the step that led to it
        todo = [start.key]
        while todo:
            step = flow.step(todo.pop())
            if step is None or step.kind not in ("say", "branch"):
                continue
            for target in exits(step):
                if target == start.key:
                    path = [step.key]
                    while path[-1] != start.key:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start.key]
                if target not in came_from:
                    came_from[target] = step.key
                    todo.append(target)
    return None


def flow_problems(flow: Flow) -> list[str]:
    """Every problem that stops `flow` from running as staff meant (see the module docstring)."""
    if not flow.steps:
        return ["The workflow has no steps."]
    problems: list[str] = []
    keys = [step.key for step in flow.steps]
    for key in sorted({key for key in keys if keys.count(key) > 1}):
        problems.append(f"Two steps are named '{key}'.")
    for step in flow.steps:
        problems += _step_problems(step, set(keys))
    problems += _slot_problems(flow)
    if circle := _circle(flow):
        problems.append(
            f"Steps {' → '.join(circle)} go round in a circle without waiting for the caller."
        )
    return problems
