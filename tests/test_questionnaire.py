"""The printable questionnaire comes from the protocol and is kept in step with it."""

from pipeline import paths, protocol, questionnaire, toolkit


def test_committed_questionnaire_is_what_the_protocol_renders():
    rendered = questionnaire.render_questionnaire(protocol.load(), toolkit.load())

    assert paths.questionnaire_file().read_text(encoding="utf-8") == rendered


def test_questionnaire_lists_every_question_and_its_options():
    questions = protocol.load()

    rendered = questionnaire.render_questionnaire(questions, toolkit.load())

    for question in questions.questions:
        assert f"**{question.id}. {question.text}**" in rendered
        assert all(option in rendered for option in question.options)
