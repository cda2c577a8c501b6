using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Toolstack.Runtime;

// The libxl CD-ROM workflow through the Toolstack runtime, against a real QEMU.
//   Hotplug                      start QEMU, insert an image, replace it with another, eject,
//                                printing query-block and the JSON config after each step
//   Hotplug cycle OPTIONS        attach to a running QEMU and insert/eject in a loop until killed
//                                (the crash-consistency test's child)
// cycle options: --qmp SOCKET --lock-dir DIR --domain ID [--device ID] --image PATH [--image PATH ...]
//                [--cycles N]    stop after N insert/eject cycles (default: run until killed)
//
// Exit codes: 0 done, 1 failed, 2 bad command line or qemu-system-x86_64 missing.
try
{
    return args.Length > 0 && args[0] == "cycle"
        ? await Cycle.RunAsync(CycleOptions.Parse(args.AsSpan(1)))
        : args.Length == 0
            ? await Demo.RunAsync()
            : throw new ArgumentException($"unknown command '{args[0]}' (expected no arguments, or 'cycle')");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Hotplug: {e.Message}");
    Console.Error.WriteLine("usage: Hotplug");
    Console.Error.WriteLine("       Hotplug cycle --qmp SOCKET --lock-dir DIR --domain ID [--device ID] --image PATH [--image PATH ...] [--cycles N]");
    return 2;
}
catch (Exception e) when (e is QmpException or LockException or IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"Hotplug: failed: {e.GetType().Name}: {e.Message}");
    return 1;
}

/// <summary>The demonstration: its own QEMU, its own lock directory, two images.</summary>
internal static class Demo
{
    private const string Device = "cd0";

    public static async Task<int> RunAsync()
    {
        string work = Directory.CreateTempSubdirectory("toolstack-hotplug-").FullName;
        string socket = Path.Combine(work, "qmp.sock");
        string[] images = [Path.Combine(work, "install.iso"), Path.Combine(work, "drivers.iso")];
        foreach (string image in images)
        {
            File.WriteAllBytes(image, new byte[64 * 1024]);
        }

        Console.WriteLine($"work directory: {work}");
        Qemu? qemu = null;
        try
        {
            qemu = Qemu.Start(socket);
            if (qemu is null)
            {
                return 2;
            }

            await using QmpClient qmp = await Qmp.ConnectWhenReadyAsync(socket, qemu);
            Console.WriteLine($"connected to QEMU {qmp.Greeting.Version}");

            // The domain's lock directory files (JsonLock, QmpLock, the JSON config) live in the work directory.
            var userdata = new DomainUserdata(work, "1.demo");
            userdata.Create();
            Domain domain = Monitor.Attach(new Domain("demo", userdata), qmp);

            await Show.StateAsync(qmp, domain);

            Console.WriteLine($"insert {Path.GetFileName(images[0])} into {Device}");
            await CdromHotplug.InsertAsync(domain, Device, images[0]);
            await Show.StateAsync(qmp, domain);

            Console.WriteLine($"insert {Path.GetFileName(images[1])} into {Device} (replaces the medium)");
            await CdromHotplug.InsertAsync(domain, Device, images[1]);
            await Show.StateAsync(qmp, domain);

            Console.WriteLine($"eject {Device}");
            await CdromHotplug.EjectAsync(domain, Device);
            await Show.StateAsync(qmp, domain);

            Console.WriteLine("quit QEMU");
            await qmp.QuitAsync();
            qemu.WaitForExit();
            Console.WriteLine("done");
            return 0;
        }
        catch (Exception e) when (e is QmpException or LockException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"Hotplug: failed: {e}");
            if (qemu is not null)
            {
                Console.Error.WriteLine($"QEMU's output:{Environment.NewLine}{qemu.Output}");
            }

            return 1;
        }
        finally
        {
            qemu?.Dispose();
            Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>The crash test's child: insert and eject, one line before and after each step, forever.</summary>
internal static class Cycle
{
    public static async Task<int> RunAsync(CycleOptions options)
    {
        if (!File.Exists(options.Socket))
        {
            throw new ArgumentException($"--qmp {options.Socket}: no such socket (is QEMU running with -qmp unix:{options.Socket},server=on,wait=off?)");
        }

        await using QmpClient qmp = await Qmp.ConnectWhenReadyAsync(options.Socket, qemu: null);
        var userdata = new DomainUserdata(options.LockDirectory, options.DomainId);
        userdata.Create(); // idempotent: the domain exists from here on
        Domain domain = Monitor.Attach(new Domain(options.DomainId, userdata), qmp);

        // Console.Out flushes every line, so what a killer reads last is the step that was under way.
        for (long cycle = 0; options.Cycles is not long limit || cycle < limit; cycle++)
        {
            string image = options.Images[(int)(cycle % options.Images.Count)];
            Console.WriteLine($"insert {image}");
            await CdromHotplug.InsertAsync(domain, options.Device, image);
            Console.WriteLine($"inserted {image}");
            Console.WriteLine("eject");
            await CdromHotplug.EjectAsync(domain, options.Device);
            Console.WriteLine("ejected");
        }

        return 0;
    }
}

/// <summary>The cycle command's options.</summary>
internal sealed record CycleOptions(string Socket, string LockDirectory, string DomainId, string Device, IReadOnlyList<string> Images, long? Cycles)
{
    public static CycleOptions Parse(ReadOnlySpan<string> args)
    {
        string? socket = null, directory = null, domain = null;
        string device = "cd0";
        long? cycles = null;
        var images = new List<string>();
        for (int i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"option {args[i]} needs a value");
            }

            string value = args[i + 1];
            switch (args[i])
            {
                case "--qmp": socket = value; break;
                case "--lock-dir": directory = value; break;
                case "--domain": domain = value; break;
                case "--device": device = value; break;
                case "--image": images.Add(Path.GetFullPath(value)); break;
                case "--cycles":
                    cycles = long.TryParse(value, out long n) && n >= 0 ? n : throw new ArgumentException($"--cycles needs a count, not '{value}'");
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new CycleOptions(
            socket ?? throw new ArgumentException("--qmp is required"),
            directory ?? throw new ArgumentException("--lock-dir is required"),
            domain ?? throw new ArgumentException("--domain is required"),
            device,
            images.Count > 0 ? images : throw new ArgumentException("at least one --image is required"),
            cycles);
    }
}

/// <summary>Prints what QEMU holds and what the JSON config says.</summary>
internal static class Show
{
    private static readonly JsonSerializerOptions s_compact = new() { WriteIndented = false };

    public static async Task StateAsync(QmpClient qmp, Domain domain)
    {
        // QMP first, with no short lock held; then the config under its JsonLock.
        IReadOnlyList<QmpBlockDevice> devices = await qmp.QueryBlockAsync();
        IReadOnlyList<QmpFdset> fdsets = await qmp.QueryFdsetsAsync();
        foreach (QmpBlockDevice device in devices)
        {
            string medium = device.Inserted?.File ?? "(empty)";
            if (device.Inserted?.File is string file && file.StartsWith("/dev/fdset/", StringComparison.Ordinal))
            {
                string? opaque = fdsets
                    .FirstOrDefault(s => $"/dev/fdset/{s.FdsetId}" == file)?
                    .Fds.Select(f => f.Opaque).FirstOrDefault(o => o is not null);
                medium += $" = {opaque ?? "(unknown)"}";
            }

            Console.WriteLine($"  query-block  {device.Qdev ?? device.Device}: {medium}");
        }

        DomainConfig config;
        using (LockHandle json = domain.JsonLock!.Lock())
        {
            config = DomainConfigFile.Read(json);
        }

        Console.WriteLine($"  JSON config  {JsonSerializer.Serialize(config, s_compact)}");
    }
}

internal static class Monitor
{
    /// <summary>Gives <paramref name="domain"/> its QMP connection; QEMU waits in the prelaunch state (-S), so it is paused.</summary>
    public static Domain Attach(Domain domain, QmpClient qmp)
    {
        using (domain.StateLock.Lock())
        {
            domain.AttachMonitor(qmp, DomainRunState.Paused);
        }

        return domain;
    }
}

internal static class Qmp
{
    /// <summary>
    /// Connects, retrying while the socket is not there yet or QEMU still serves a previous client
    /// on it (QEMU greets a new client only once it noticed the old one is gone).
    /// </summary>
    public static async Task<QmpClient> ConnectWhenReadyAsync(string socket, Qemu? qemu)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await QmpClient.ConnectAsync(socket);
            }
            catch (Exception e) when (e is QmpConnectException or QmpGreetingException && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (qemu is { HasExited: true })
                {
                    throw new InvalidOperationException($"QEMU exited before its QMP socket answered: {qemu.Output}", e);
                }

                await Task.Delay(50);
            }
        }
    }
}

/// <summary>The demonstration's QEMU: a PC in the prelaunch state with one empty IDE CD-ROM drive.</summary>
internal sealed class Qemu : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private Qemu(Process process)
    {
        _process = process;
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts QEMU, or returns null (having said why) when it is not installed.</summary>
    public static Qemu? Start(string socket)
    {
        var start = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "-M", "pc", "-S", "-nodefaults", "-display", "none",
            "-device", "ide-cd,id=cd0", "-qmp", $"unix:{socket},server=on,wait=off",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine("start qemu-system-x86_64 " + string.Join(' ', start.ArgumentList));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("qemu-system-x86_64 did not start");
        }
        catch (Win32Exception e)
        {
            Console.Error.WriteLine($"Hotplug: cannot run qemu-system-x86_64 ({e.Message}); on Debian: apt-get install qemu-system-x86");
            return null;
        }

        var qemu = new Qemu(process);
        process.OutputDataReceived += (_, e) => qemu.Record(e.Data);
        process.ErrorDataReceived += (_, e) => qemu.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return qemu;
    }

    public void WaitForExit()
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("QEMU did not exit after quit");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
