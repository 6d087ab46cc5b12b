"""Who may open the staff pages: logged-in staff (every page under /calls/ and /simulator/)."""

from collections.abc import Callable
from functools import wraps

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def _check_staff(user) -> None:
    if not user.is_staff:
        raise PermissionDenied("Staff only.")


def staff_required(view: Callable) -> Callable:
    """Anonymous visitors are sent to the login page (LOGIN_URL, back here afterwards); a
    logged-in user who is not staff gets 403. Works on sync and async function views."""
    if iscoroutinefunction(view):

        async def checked_view(request: HttpRequest, *args, **kwargs):
            _check_staff(await request.auser())
            return await view(request, *args, **kwargs)
    else:

        def checked_view(request: HttpRequest, *args, **kwargs):
            _check_staff(request.user)
            return view(request, *args, **kwargs)

    return login_required(wraps(view)(checked_view))
