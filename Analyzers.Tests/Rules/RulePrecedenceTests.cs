using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Toolstack.Analyzers.Flow;
using Toolstack.Analyzers.Rules;
using Toolstack.Analyzers.Tests.Flow;

namespace Toolstack.Analyzers.Tests.Rules;

/// <summary>
/// One mistake, one diagnostic: the precedence table, not the order the rules run in, decides
/// which rule reports a mistake two rules see.
/// </summary>
public class RulePrecedenceTests
{
    // Each method holds one mistake that two or more rules see.
    private const string Overlapping = """
        using System.Threading;
        using System.Threading.Tasks;
        using Toolstack.Runtime;

        sealed class Qmp
        {
            [RequiresUnlocked]
            public Task StopAsync() => Task.CompletedTask;
        }

        [LockLevel(150)]
        sealed class HostLock
        {
            [Blocking]
            [AcquiresLock(typeof(HostLock))]
            public LockHandle Lock() => null!;

            [ReleasesLock(typeof(HostLock))]
            public void Unlock(LockHandle handle) { }
        }

        class Daemon
        {
            private readonly DriverLock _driver = new();
            private readonly DomainLock _vm = new("vm");
            private readonly HostLock _host = new();
            private readonly Qmp _qmp = new();

            // TSL1004, not TSL1002 (a QMP call may wait), nor TSL1007 for its await.
            async Task QmpUnderDriverLock()
            {
                using var driver = _driver.Lock();
                await _qmp.StopAsync();
            }

            // TSL1001, not TSL1002 (the acquisition is [Blocking]), nor TSL1005 for the leak it starts.
            void OutOfOrderAndBlocking()
            {
                using var driver = _driver.Lock();
                LockHandle host = _host.Lock();
            }

            // TSL1002 for the JSON lock's [Blocking] acquisition, not TSL1005 for its leak.
            void BlockingAcquisitionLeaked(JsonLock json)
            {
                using var driver = _driver.Lock();
                LockHandle handle = json.Lock();
            }

            // TSL1005 (not released on a return), not also TSL1009 for the same acquisition.
            int LeakedAndNotOnThrow(int n)
            {
                LockHandle vm = _vm.Lock();
                if (n > 0)
                {
                    return n;
                }

                Thread.Sleep(0);
                _vm.Unlock(vm);
                return 0;
            }
        }
        """;

    [Fact]
    public void Table_EveryRuleOnce_YieldsOnlyToRulesAboveItOrItself()
    {
        ImmutableArray<Rank> table = RulePrecedence.Table;
        Assert.Equal(Descriptors.All.Select(d => d.Id).OrderBy(id => id), table.Select(rank => rank.Rule.Id).OrderBy(id => id));
        for (int i = 0; i < table.Length; i++)
        {
            var above = table.Take(i + 1).Select(rank => rank.Rule.Id).ToHashSet();
            foreach (YieldTo yield in table[i].Yields)
            {
                Assert.All(yield.Rules, rule => Assert.Contains(rule.Id, above));
            }
        }
    }

    [Theory]
    [InlineData("TSL1004", "TSL1002")]
    [InlineData("TSL1004", "TSL1007")]
    [InlineData("TSL1001", "TSL1002")]
    [InlineData("TSL1001", "TSL1005")]
    [InlineData("TSL1005", "TSL1009")]
    public void Table_WinnerRanksAboveAndLoserYieldsToIt(string winner, string loser)
    {
        ImmutableArray<Rank> table = RulePrecedence.Table;
        int winnerRank = table.IndexOf(table.Single(rank => rank.Rule.Id == winner));
        Rank loserRank = table.Single(rank => rank.Rule.Id == loser);
        Assert.True(winnerRank < table.IndexOf(loserRank));
        Assert.Contains(loserRank.Yields, yield => yield.Rules.Any(rule => rule.Id == winner));
    }

    [Fact]
    public async Task OverlappingMistakes_AnyRuleOrder_SameOneDiagnosticEach()
    {
        TestCompilation compilation = await TestCompilation.CreateAsync(Overlapping);
        var expected = new Dictionary<string, string[]>
        {
            ["QmpUnderDriverLock"] = ["TSL1004"],
            ["OutOfOrderAndBlocking"] = ["TSL1001"],
            ["BlockingAcquisitionLeaked"] = ["TSL1002"],
            ["LeakedAndNotOnThrow"] = ["TSL1005"],
        };

        ImmutableArray<Action<RuleContext>> rules = LockRules.All;
        var orders = new List<ImmutableArray<Action<RuleContext>>> { rules, rules.Reverse().ToImmutableArray() };
        for (int shift = 1; shift < rules.Length; shift++)
        {
            orders.Add(rules.Skip(shift).Concat(rules.Take(shift)).ToImmutableArray());
        }

        MethodAnalysis[] methods = compilation.AnalyzeMethods().Where(a => expected.ContainsKey(a.Method.Name)).ToArray();
        Assert.Equal(expected.Count, methods.Length);
        foreach (MethodAnalysis analysis in methods)
        {
            foreach (ImmutableArray<Action<RuleContext>> order in orders)
            {
                ImmutableArray<Finding> findings = LockRules.Findings(analysis, order);
                Assert.Equal(expected[analysis.Method.Name], findings.Select(f => f.Rule.Id).OrderBy(id => id).ToArray());
            }
        }
    }

    [Fact]
    public async Task OverlappingMistakes_WithoutPrecedence_RulesDoSeeThemTwice()
    {
        // The table is what makes it one diagnostic: the rules themselves see every mistake twice.
        TestCompilation compilation = await TestCompilation.CreateAsync(Overlapping);
        MethodAnalysis[] methods = compilation.AnalyzeMethods().Where(a => a.Method.ContainingType.Name == "Daemon").ToArray();
        Assert.Equal(4, methods.Length);
        foreach (MethodAnalysis analysis in methods)
        {
            var context = new RuleContext(analysis);
            foreach (Action<RuleContext> rule in LockRules.All)
            {
                rule(context);
            }

            Assert.True(context.Findings.Select(f => f.Rule.Id).Distinct().Count() >= 2, analysis.Method.Name);
        }
    }
}
