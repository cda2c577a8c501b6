namespace Toolstack.Runtime.Tests.Qmp.Support;

internal static class QmpTimeouts
{
    /// <summary>For what must happen: generous, so a loaded machine does not fail the test.</summary>
    public static readonly TimeSpan MustComplete = TimeSpan.FromSeconds(20);

    /// <summary>The bound the issue sets for failing fast and for honouring cancellation.</summary>
    public static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

    /// <summary>For what must NOT happen (an event that must not arrive): short and bounded.</summary>
    public static readonly TimeSpan StaysQuiet = TimeSpan.FromMilliseconds(300);

    public static CancellationToken MustCompleteToken() => new CancellationTokenSource(MustComplete).Token;
}
