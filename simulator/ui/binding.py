"""How a view meets the controller: by name, in one place, so no view holds the controller.

A view is passive. It has inbound setters named after what they draw and outbound Qt
signals for what the user asks; ``bind`` connects whichever of them a view has:

==================  ===========================  ==========================================
inbound setter      fed by controller signal     what it is
==================  ===========================  ==========================================
``set_problem``     ``problemChanged``           ``ProblemInfo``: a new problem
``set_axes``        ``axesChanged``              ``Axes`` of the landscape
``set_frame``       ``frameChanged``             ``Frame``, every play tick
``paint_frame``     ``paintFrame``               ``Frame``, paced for costly views
``paint_diagram``   ``diagramFrame``             ``Frame``, paced for the network diagram
``set_playing``     ``playingChanged``           whether the run plays
``set_speed``       ``speedChanged``             steps per frame, frames per second
``set_landscape``   ``landscapeReady``           a ``LandscapeGrid``
``set_decision``    ``decisionReady``            a ``DecisionMap``
``set_neuron_maps`` ``neuronMapsReady``          ``NeuronMaps``
``set_trace``       ``traceReady``               a ``SampleTrace``
``set_formula_error`` ``formulaChecked``         what is wrong with a typed formula, or ""
``set_formula_working`` ``formulaWorking``       a typed formula is being worked out
``set_exact_nudge`` ``nudgeReady``               (θ, ``NudgeNumbers``): a paused nudge, exact
``set_lesson_frame`` ``lessonChanged``           ``LessonFrame``: the lesson's text and step
``set_stepper``     ``stepperChanged``           ``StepperFrame`` of the backprop stepper
==================  ===========================  ==========================================

Outbound, a view lists ``INTENTS``: its signal's name → the controller verb it asks for
(``{"hikerMoved": "move_hiker"}``); the signal's arguments are the verb's.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

INBOUND = (
    ("problemChanged", "set_problem"),
    ("axesChanged", "set_axes"),
    ("frameChanged", "set_frame"),
    ("paintFrame", "paint_frame"),
    ("diagramFrame", "paint_diagram"),
    ("playingChanged", "set_playing"),
    ("speedChanged", "set_speed"),
    ("landscapeReady", "set_landscape"),
    ("decisionReady", "set_decision"),
    ("neuronMapsReady", "set_neuron_maps"),
    ("traceReady", "set_trace"),
    ("formulaChecked", "set_formula_error"),
    ("formulaWorking", "set_formula_working"),
    ("nudgeReady", "set_exact_nudge"),
    ("lessonChanged", "set_lesson_frame"),
    ("stepperChanged", "set_stepper"),
)


def bind(controller, view: QObject, replay: bool = True) -> QObject:
    """Connect a view's setters and intents to the controller, then show it the state now.

    ``replay=False`` leaves showing the state to the caller (a window binding many views
    replays once, after the last).
    """
    for signal, slot in INBOUND:
        if hasattr(view, slot):
            getattr(controller, signal).connect(getattr(view, slot))
    for signal, verb in getattr(view, "INTENTS", {}).items():
        getattr(view, signal).connect(getattr(controller, verb))
    if replay and controller.ready:
        controller.replay_state()
    return view
