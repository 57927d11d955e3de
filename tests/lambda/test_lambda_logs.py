"""lambda logs: ranges with absolute and relative times, following with --tail until Ctrl-C, usage errors."""
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from fink.clock import FakeClock
from fink.errors import GracefulExit, UsageError
from fink_lambda.logs import event_lines, parse_time

NAME = "fink-logging-function"
GROUP = f"/aws/lambda/{NAME}"
NOW = datetime.now(timezone.utc).replace(microsecond=0)  # moto refuses events older than 14 days


def put(messages_by_age):
    logs = boto3.client("logs")
    stream = f"s{len(messages_by_age)}-{datetime.now().timestamp()}"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    events = [{"timestamp": int((NOW - age).timestamp() * 1000), "message": text} for text, age in messages_by_age]
    logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=sorted(events, key=lambda e: e["timestamp"]))


@pytest.fixture
def group(aws, temp_folder):
    boto3.client("logs").create_log_group(logGroupName=GROUP)
    put([("two days ago", timedelta(days=2)), ("three hours ago", timedelta(hours=3)),
         ("ten minutes ago", timedelta(minutes=10))])


def test_default_range_is_one_day(group, run_cli):
    result = run_cli("lambda", "logs", NAME, clock=FakeClock(NOW))
    assert result.exit_code == 0, result.output
    messages = [line.split("  ", 1)[1] for line in result.stdout.splitlines() if "  " in line]
    assert messages == ["three hours ago", "ten minutes ago"]


def test_range_with_relative_and_absolute_times(group, run_cli):
    start = (NOW - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    result = run_cli("lambda", "logs", NAME, f"--start={start}", "--end=1h", clock=FakeClock(NOW))
    assert result.exit_code == 0, result.output
    assert "two days ago" in result.stdout and "three hours ago" in result.stdout
    assert "ten minutes ago" not in result.stdout
    day = (NOW - timedelta(days=2)).strftime("%Y-%m-%d")
    assert result.stdout.splitlines()[0] == day


def test_tail_follows_new_events_until_ctrl_c(group, run_cli):
    clock = FakeClock(NOW)

    def on_sleep(_seconds):
        if len(clock.sleeps) == 1:
            put([("arrived while following", timedelta(seconds=-1))])
        elif len(clock.sleeps) == 3:
            raise GracefulExit("SIGINT")
    clock.on_sleep = on_sleep
    result = run_cli("lambda", "logs", NAME, "--tail", clock=clock)
    assert result.exit_code == 0, result.output
    lines = [line.split("  ", 1)[1] for line in result.stdout.splitlines() if "  " in line]
    assert lines == ["arrived while following"]  # the default start in tail mode is 5 minutes ago
    assert "stopped following" in result.stderr
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_tail_shows_late_and_same_millisecond_events_once(group, run_cli):
    """CloudWatch Logs takes events late and from several streams: one that arrives after a newer one was shown,
    or with the same millisecond as the newest shown, is still printed, and nothing is printed twice."""
    clock = FakeClock(NOW)

    def on_sleep(_seconds):
        if len(clock.sleeps) == 1:
            put([("first", timedelta(seconds=-2))])
        elif len(clock.sleeps) == 2:
            put([("late from another stream", timedelta(seconds=-1)), ("same millisecond", timedelta(seconds=-2))])
        elif len(clock.sleeps) == 4:
            raise GracefulExit("SIGINT")
    clock.on_sleep = on_sleep
    result = run_cli("lambda", "logs", NAME, "--tail", clock=clock)
    assert result.exit_code == 0, result.output
    lines = [line.split("  ", 1)[1] for line in result.stdout.splitlines() if "  " in line]
    assert sorted(lines) == ["first", "late from another stream", "same millisecond"]


def test_tail_waits_for_a_log_group_that_does_not_exist_yet(aws, temp_folder, run_cli):
    clock = FakeClock(NOW)

    def on_sleep(_seconds):
        if len(clock.sleeps) == 2:
            boto3.client("logs").create_log_group(logGroupName=GROUP)
            put([("first words", timedelta(seconds=-1))])
        elif len(clock.sleeps) == 3:
            raise GracefulExit("SIGINT")
    clock.on_sleep = on_sleep
    result = run_cli("lambda", "logs", NAME, "--tail", clock=clock)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("does not exist yet") == 1
    assert [line.split("  ", 1)[1] for line in result.stdout.splitlines() if "  " in line] == ["first words"]


def test_logs_of_a_missing_group_without_tail_fail(aws, temp_folder, run_cli):
    result = run_cli("lambda", "logs", NAME)
    assert result.exit_code == 1 and "log group appears after its first invocation" in result.stderr
    assert "Traceback" not in result.output


def test_tail_with_end_is_a_usage_error(aws, temp_folder, run_cli):
    result = run_cli("lambda", "logs", NAME, "--tail", "--end=1h")
    assert result.exit_code == 2 and "cannot have an --end" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--start=yesterday"], "neither a UTC time"), (["--start=1h", "--end=2h"], "must be after --start")])
def test_bad_times_are_usage_errors(aws, temp_folder, run_cli, args, message):
    result = run_cli("lambda", "logs", NAME, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_parse_time_units_and_formats():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_time("1m", now) == now - timedelta(minutes=1)
    assert parse_time("2h", now) == now - timedelta(hours=2)
    assert parse_time("3d", now) == now - timedelta(days=3)
    assert parse_time("5w", now) == now - timedelta(weeks=5)
    assert parse_time("2017-06-28 14:23", now) == datetime(2017, 6, 28, 14, 23, tzinfo=timezone.utc)
    with pytest.raises(UsageError):
        parse_time("5y", now)


def test_event_lines_print_a_date_line_per_day():
    day1 = int(datetime(2026, 1, 1, 23, 59, 59, tzinfo=timezone.utc).timestamp() * 1000)
    lines, last = event_lines([{"timestamp": day1, "message": "a\n"}, {"timestamp": day1 + 2000, "message": "b"}])
    assert lines == ["2026-01-01", "23:59:59  a", "2026-01-02", "00:00:01  b"] and last == "2026-01-02"
