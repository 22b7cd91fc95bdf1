"""`shuping app --port`: a bad or taken port is a Chinese usage error, exit 2 (HOSTILE F9)."""
import socket

from typer.testing import CliRunner

from workbook.cli import app

runner = CliRunner()


def test_a_port_out_of_range_is_a_usage_error():
    for port in ("99999", "-1", "abc"):      # abc: refused by the option's type, in Chinese too
        done = runner.invoke(app, ["app", "--port", port, "--no-browser"])
        assert done.exit_code == 2, done.output
        assert ("端口应为" in done.output or port == "abc") and "Error" not in done.output and "内部错误" not in done.output


def test_a_taken_port_is_said_in_chinese():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = runner.invoke(app, ["app", "--port", str(port), "--no-browser"])
    assert done.exit_code == 2, done.output
    assert "端口已被其他程序占用" in done.output and "Address" not in done.output


def test_demo_onto_a_file_is_a_chinese_usage_error(tmp_path):
    """HOSTILE F9: `shuping demo x.xlsx` said 'File exists' (exit 1)."""
    existing = tmp_path / "x.xlsx"
    existing.write_bytes(b"mine")
    done = runner.invoke(app, ["demo", str(existing)])
    assert done.exit_code == 2, done.output
    assert "不是文件夹" in done.output and "File exists" not in done.output
    assert existing.read_bytes() == b"mine"
