"""The Curators group, what a curator is refused, add_curator, and the login lockout."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Company, Event, ImportBatch, Keyword
from articles.permissions import CURATORS, curator_codenames

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_migration_creates_the_curators_group_with_exactly_these_permissions():
    group = Group.objects.get(name=CURATORS)
    codenames = sorted(group.permissions.values_list("codename", flat=True))
    assert codenames == curator_codenames()
    assert "delete_article" not in codenames and "delete_company" not in codenames
    assert not group.permissions.exclude(content_type__app_label="articles").exists()
    assert {"hide_article", "merge_company", "merge_keyword", "merge_event"} <= set(codenames)


def test_curator_is_refused_deletes_and_user_management(curator_client, sample):
    article = sample["005_openai_gpt4o_launch.txt"]
    company = Company.objects.get(slug="openai")
    refused = [
        reverse("admin:articles_article_delete", args=[article.pk]),
        reverse("admin:articles_company_delete", args=[company.pk]),
        reverse("admin:articles_keyword_delete", args=[Keyword.objects.first().pk]),
        reverse("admin:articles_event_delete", args=[Event.objects.first().pk]),
        reverse("admin:articles_importbatch_delete", args=[ImportBatch.objects.get().pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_changelist"),
    ]
    for url in refused:
        assert curator_client.get(url).status_code == 403, url
    assert curator_client.post(refused[0], {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()

    changelist = curator_client.get(reverse("admin:articles_article_changelist"))
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"publish", "hide", "reenrich", "move_to_event"} <= set(actions)
    response = curator_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
    )
    assert Article.objects.filter(pk=article.pk).exists()
    assert response.status_code in (200, 302)
    # Batches are records: nobody edits them.
    batch = ImportBatch.objects.get()
    page = curator_client.get(reverse("admin:articles_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_superuser_may_delete(superuser_client, sample):
    article = sample["005_openai_gpt4o_launch.txt"]
    url = reverse("admin:articles_article_delete", args=[article.pk])
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()


def test_staff_without_the_group_may_not_curate(client, django_user_model, sample):
    user = django_user_model.objects.create_user("visitor", password=PASSWORD, is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 403
    article = sample["005_openai_gpt4o_launch.txt"]
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "hide", "_selected_action": [article.pk]},
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_merge_needs_the_merge_permission(client, django_user_model, companies):
    user = django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.user_permissions.add(
        *Group.objects.get(name=CURATORS).permissions.filter(
            codename__in=["view_company", "change_company"]
        )
    )
    client.force_login(user)
    page = client.get(reverse("admin:articles_company_changelist"))
    assert page.status_code == 200 and page.context["action_form"] is None  # no action at all
    a, b = Company.objects.all()[:2]
    client.post(
        reverse("admin:articles_company_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [a.pk, b.pk],
            "post": "yes",
            "survivor": a.pk,
        },
    )
    assert Company.objects.filter(pk=b.pk).exists()


def test_add_curator_command(django_user_model):
    out = StringIO()
    call_command("add_curator", "newcurator", "--email", "n@example.com", stdout=out)
    user = django_user_model.objects.get(username="newcurator")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [CURATORS]
    assert "changepassword newcurator" in out.getvalue()
    assert user.has_perm("articles.merge_company") and not user.has_perm("articles.delete_article")
    existing = django_user_model.objects.create_user("old", password=PASSWORD)
    call_command("add_curator", "old", stdout=StringIO())
    existing.refresh_from_db()
    assert existing.is_staff and existing.has_usable_password()
    assert existing.groups.filter(name=CURATORS).exists()


def test_five_failed_logins_lock_the_account_out(client, curator):
    login = reverse("admin:login")
    for _ in range(5):
        response = client.post(login, {"username": "cura", "password": "wrong"})
        assert response.status_code in (200, 429)
    response = client.post(login, {"username": "cura", "password": PASSWORD})
    assert response.status_code == 429  # locked out, though the password is right
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 302


def test_a_correct_login_works_and_other_users_are_not_locked(client, curator, superuser):
    login = reverse("admin:login")
    for _ in range(5):
        client.post(login, {"username": "cura", "password": "wrong"})
    response = client.post(login, {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200
