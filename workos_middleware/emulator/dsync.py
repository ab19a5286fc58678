"""What the customer's IT admin does in their directory, and the events WorkOS sends for it.

Each change updates the data and emits the event WorkOS would: deactivating or reactivating
a user is ``dsync.user.updated`` (its ``state`` and ``previous_attributes``), deleting one is
``dsync.user.deleted``, adding a user is ``dsync.user.created``, and moving one in or out of
a group is ``dsync.group.user_added`` / ``dsync.group.user_removed``. The dashboard's buttons
and the admin API both call these.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .data import DataError, Directory, DirectoryUser, EmulatorData
from .events import Event
from .store import EmulatorState
from .wire import directory_group_json, directory_user_json, iso_timestamp


class ChangeError(ValueError):
    """A change that cannot be made: ``status`` 404 (no such user or group) or 409 (it is
    already so)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _found(data: EmulatorData, user_id: str) -> tuple[Directory, DirectoryUser]:
    found = data.directory_user(user_id)
    if found is None:
        raise ChangeError(f"No directory user {user_id!r}.", 404)
    return found


def _event_user(user: DirectoryUser, directory: Directory) -> dict[str, Any]:
    return directory_user_json(user, directory, groups=False)


class DirectoryChanges:
    """Changes to directory users, each emitting its event, bound to one state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _now(self) -> str:
        return iso_timestamp(self.state.clock())

    def set_state(self, user_id: str, new_state: str) -> Event:
        """``active``, ``inactive`` or ``suspended``: ``dsync.user.updated``."""
        result: dict[str, Any] = {}

        def change(data: EmulatorData) -> EmulatorData:
            directory, user = _found(data, user_id)
            if user.state == new_state:
                raise ChangeError(f"The directory user {user_id!r} is already {new_state}.", 409)
            result["before"] = user.state
            result["user"] = updated = replace(user, state=new_state, updated_at=self._now())
            return data.put_directory_user(directory.id, updated)

        data = self.state.update_data(change)
        directory, user = _found(data, user_id)
        body = {
            **_event_user(user, directory),
            "previous_attributes": {"state": result["before"]},
        }
        return self.state.emit("dsync.user.updated", body, directory.organization_id)

    def delete(self, user_id: str) -> Event:
        """Remove the user from its directory: ``dsync.user.deleted`` (state ``inactive``)."""
        found: list[tuple[Directory, DirectoryUser]] = []

        def change(data: EmulatorData) -> EmulatorData:
            directory, user = _found(data, user_id)
            found.append((directory, user))
            return data.delete_directory_user(directory.id, user_id)

        self.state.update_data(change)
        directory, user = found[0]
        gone = replace(user, state="inactive", updated_at=self._now())
        return self.state.emit(
            "dsync.user.deleted", _event_user(gone, directory), directory.organization_id
        )

    def regroup(self, user_id: str, group_id: str, *, member: bool) -> Event:
        """Add the user to a group of its directory (``dsync.group.user_added``) or remove
        it from one (``dsync.group.user_removed``)."""

        def change(data: EmulatorData) -> EmulatorData:
            directory, user = _found(data, user_id)
            if directory.group(group_id) is None:
                raise ChangeError(f"No group {group_id!r} in the user's directory.", 404)
            if (group_id in user.groups) == member:
                where = "already in" if member else "not in"
                raise ChangeError(f"The directory user {user_id!r} is {where} that group.", 409)
            groups = (
                (*user.groups, group_id)
                if member
                else tuple(g for g in user.groups if g != group_id)
            )
            return data.put_directory_user(
                directory.id, replace(user, groups=groups, updated_at=self._now())
            )

        data = self.state.update_data(change)
        directory, user = _found(data, user_id)
        group = directory.group(group_id)
        assert group is not None
        body = {
            "directory_id": directory.id,
            "user": _event_user(user, directory),
            "group": directory_group_json(group, directory),
        }
        event = "dsync.group.user_added" if member else "dsync.group.user_removed"
        return self.state.emit(event, body, directory.organization_id)

    def put_user(self, directory_id: str, user: DirectoryUser) -> Event:
        """Add a user (``dsync.user.created``) or replace one (``dsync.user.updated`` with
        the ``previous_attributes`` that changed)."""
        before: list[DirectoryUser] = []

        def change(data: EmulatorData) -> EmulatorData:
            directory = data.directory(directory_id)
            if directory is None:
                raise ChangeError(f"No directory {directory_id!r}.", 404)
            elsewhere = data.directory_user(user.id)
            if elsewhere is not None and elsewhere[0].id != directory_id:
                raise DataError(f"id: {user.id!r} is a user of another directory")
            old = directory.user(user.id)
            stamped = replace(user, updated_at=self._now())
            if old is None:
                stamped = replace(stamped, created_at=stamped.updated_at)
            else:
                before.append(old)
                stamped = replace(stamped, created_at=old.created_at)
            return data.put_directory_user(directory_id, stamped)

        data = self.state.update_data(change)
        directory = data.directory(directory_id)
        assert directory is not None
        stored = directory.user(user.id)
        assert stored is not None
        body = _event_user(stored, directory)
        if not before:
            return self.state.emit("dsync.user.created", body, directory.organization_id)
        old_json = _event_user(before[0], directory)
        changed = {
            k: v for k, v in old_json.items() if body.get(k) != v and k not in ("updated_at",)
        }
        body["previous_attributes"] = changed
        return self.state.emit("dsync.user.updated", body, directory.organization_id)
